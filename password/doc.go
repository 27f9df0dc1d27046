// Package password hashes and checks staff passwords with Argon2id.
//
// Argon2 won the Password Hashing Competition and is specified by RFC 9106.
// It is memory-hard: every guess costs an attacker who stole the staff
// table the same memory it costs us, which takes away most of the edge of
// GPUs and custom chips over a server. Argon2id is the variant RFC 9106
// makes mandatory and recommends by default: its first half pass uses
// data-independent memory access, which resists side-channel attacks, and
// the rest data-dependent access, which resists time-memory trade-offs.
//
// The parameters are RFC 9106's second recommended option (section 4):
// 64 MiB of memory, 3 passes, 4 lanes, a 16-byte salt and a 32-byte key.
// The first option's 2 GiB per sign-in is more than a small server can
// spare for each concurrent login. Hashes are stored in the PHC string
// format of the reference implementation and argon2-cffi, such as
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<key>
//
// with the salt and key in unpadded standard base64. Check reads the
// parameters from the string, so hashes made before a change of
// parameters keep working, and NeedsRehash tells when to replace one at
// the next successful sign-in. Check refuses parameters beyond fixed
// bounds, so that a tampered row cannot make the server allocate without
// bound.
//
// Hashing is slow on purpose, about a tenth of a second and 64 MiB for each
// Hash or Check: call them outside any database transaction, so that no
// lock or connection is held meanwhile, and limit how many sign-ins run
// at once.
package password
