package sqlite

/*
// SQLite as github.com/mattn/go-sqlite3 compiles it in.
int sqlite3_config(int, ...);

// breachdesk_memstatus_off turns off SQLite's memory statistics
// (SQLITE_CONFIG_MEMSTATUS is 9).
static int breachdesk_memstatus_off(void) { return sqlite3_config(9, 0); }
*/
import "C"

// SQLite counts every allocation it makes under one mutex for the whole
// process, so that sqlite3_memory_used can report it; breachdesk never
// asks, and with a reader per core that mutex is the one point where
// readers that share nothing else wait for one another. SQLite's own
// documentation recommends turning it off (SQLITE_DEFAULT_MEMSTATUS=0).
// It can only be done before SQLite initializes, which the first
// connection does: no connection exists before this package's
// variables are initialized.
var memstatusOff = C.breachdesk_memstatus_off() == 0 // SQLITE_OK
