package mailparse

import "github.com/jhillyerd/enmime/v2"

// TreeDepth parses raw as Parse does, without Parse's last-resort recover, and returns how deeply
// the MIME tree enmime built nests: the fuzz test holds it to MaxDepth.
func TreeDepth(raw []byte, l Limits) int {
	_, root, _ := parse(append([]byte(nil), raw...), l.withDefaults(), nil)
	if root == nil {
		return 0
	}
	_, d := walk(root)
	return d
}

// PanicInEnmime makes enmime's parser panic until the returned function is called.
func PanicInEnmime() (restore func()) {
	saved := readEnvelope
	readEnvelope = func([]byte) (*enmime.Envelope, error) { panic("enmime blew up") }
	return func() { readEnvelope = saved }
}
