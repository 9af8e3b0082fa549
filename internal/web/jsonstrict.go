package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// strictJSON refuses what encoding/json would quietly accept in a syntactically valid body:
// invalid UTF-8 (which it replaces with U+FFFD), a lone surrogate such as \ud800 (likewise), a
// NUL character (\u0000, which no resident or officer types and which some stores and mail
// programs cut text at), and a key given twice in one object (encoding/json keeps the last, so
// a check and its use could read different values). Each is a 400 naming the problem.
func strictJSON(body []byte) error {
	if !utf8.Valid(body) {
		return strictProblem("utf8", "The request body is not valid UTF-8: send it encoded as UTF-8.")
	}
	type frame struct {
		object, expectKey bool
		keys              map[string]bool
	}
	var stack []*frame
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			stack = append(stack, &frame{object: true, expectKey: true, keys: map[string]bool{}})
		case '[':
			stack = append(stack, &frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
		case '"':
			end, err := scanString(body, i)
			if err != nil {
				return err
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
				var key string
				if json.Unmarshal(body[i:end+1], &key) == nil {
					if stack[n-1].keys[key] {
						return strictProblem("duplicate_key", fmt.Sprintf("The request body gives the field %q twice in one object: give each field once.", key))
					}
					stack[n-1].keys[key] = true
				}
				stack[n-1].expectKey = false
			}
			i = end
		}
	}
	return nil
}

// scanString checks the JSON string starting at body[start] (its opening quote) for escaped
// NULs and lone surrogates, and returns the index of its closing quote.
func scanString(body []byte, start int) (int, error) {
	for i := start + 1; i < len(body); i++ {
		switch body[i] {
		case '"':
			return i, nil
		case '\\':
			if i+1 < len(body) && body[i+1] == 'u' && i+6 <= len(body)-1 {
				r, ok := hex4(body[i+2 : i+6])
				switch {
				case !ok:
				case r == 0:
					return 0, strictProblem("nul", `The request body holds a NUL character (\u0000), which Intake does not accept.`)
				case r >= 0xDC00 && r <= 0xDFFF:
					return 0, strictProblem("surrogate", fmt.Sprintf(`The request body holds a lone surrogate (\u%04x), which is not a character: send text as UTF-8.`, r))
				case r >= 0xD800 && r <= 0xDBFF:
					low, ok := rune(0), false
					if i+12 <= len(body)-1 && body[i+6] == '\\' && body[i+7] == 'u' {
						low, ok = hex4(body[i+8 : i+12])
					}
					if !ok || low < 0xDC00 || low > 0xDFFF {
						return 0, strictProblem("surrogate", fmt.Sprintf(`The request body holds a lone surrogate (\u%04x), which is not a character: send text as UTF-8.`, r))
					}
					i += 6 // the pair's second half
				}
				i += 5
				continue
			}
			i++ // the escaped character
		}
	}
	return len(body) - 1, nil
}

func hex4(b []byte) (rune, bool) {
	n, err := strconv.ParseUint(string(b), 16, 32)
	return rune(n), err == nil
}

func strictProblem(check, detail string) error {
	return &problemError{status: http.StatusBadRequest, check: check, detail: detail}
}
