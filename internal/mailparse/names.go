package mailparse

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// maxNameBytes bounds a sanitised file name; well under every file system's 255.
const maxNameBytes = 120

// extensions gives a fallback name an extension for the types people open most. A fixed table,
// not mime.ExtensionsByType, so the result does not depend on the machine's /etc/mime.types.
var extensions = map[string]string{
	"message/rfc822":          ".eml",
	"text/plain":              ".txt",
	"text/html":               ".html",
	"text/calendar":           ".ics",
	"image/jpeg":              ".jpg",
	"image/png":               ".png",
	"image/gif":               ".gif",
	"application/pdf":         ".pdf",
	"message/delivery-status": ".txt",
	"text/rfc822-headers":     ".txt",
}

// windowsReserved are device names Windows will not open as files, whatever the extension.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// safeName makes an attachment's file name safe to store and to show: the last path element
// only, no control or direction characters, none of the characters Windows forbids, no leading
// or trailing dots or spaces, at most maxNameBytes (keeping the extension). n numbers the
// attachment for the fallback "attachment-N" used when nothing is left.
func safeName(name string, n int, ctype string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\r' || r == '\n':
			return ' '
		case isControl(r) || isBidi(r) || r == '\u2028' || r == '\u2029':
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, " .")
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if windowsReserved[strings.ToUpper(stem)] {
		stem = "_" + stem
	}
	if len(ext) > 20 {
		stem, ext = stem+ext, ""
	}
	if len(stem)+len(ext) > maxNameBytes {
		stem = truncateBytes(stem, maxNameBytes-len(ext))
	}
	name = strings.Trim(stem+ext, " .")
	if name == "" || strings.Trim(name, "_") == "" {
		return fmt.Sprintf("attachment-%d%s", n, extensions[ctype])
	}
	return name
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
