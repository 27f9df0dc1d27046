// Command hello is the limit that bench/portal.sh compares breachdesk's
// public pages with: the smallest net/http server, answering every request
// with "hello world\n". It listens on -addr and prints the address it
// listens on, so that a script can ask for port 0 and read the port.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "`host:port` to listen on; port 0 picks a free one")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	err = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello world\n")
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
