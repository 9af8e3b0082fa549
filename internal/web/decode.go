package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// decodeJSON reads one JSON object from r into v and nothing else: a UTF-8 byte-order mark
// before it is accepted (some Windows tools write one); anything but white space after it is
// refused, so that a valid object followed by junk is not half-accepted. Every failure is a
// problemError in plain English that names the field and what was expected, never Go's own
// wording (which names struct fields and Go types).
// With strict, a field v does not have is refused too, naming it.
func decodeJSON(r io.Reader, v any, strict bool) error {
	// What the decoder reads is kept, so that once the body has been read to its end it can be
	// held to strictJSON: duplicate keys, invalid UTF-8, lone surrogates and NULs are refused in
	// every body, where encoding/json would smooth them over.
	var seen bytes.Buffer
	br := bufio.NewReader(io.TeeReader(r, &seen))
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if serr := strictJSON(bytes.TrimPrefix(seen.Bytes(), []byte("\xef\xbb\xbf"))); serr != nil && json.Valid(seen.Bytes()) {
			return serr
		}
		return jsonError(err)
	}
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return strictJSON(bytes.TrimPrefix(seen.Bytes(), []byte("\xef\xbb\xbf")))
	case err != nil:
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			return errTooLarge
		}
		return &problemError{status: http.StatusBadRequest, detail: "The request body must hold one JSON object and nothing after it."}
	default:
		return &problemError{status: http.StatusBadRequest, detail: "The request body must hold one JSON object and nothing after it."}
	}
}

func jsonError(err error) error {
	var (
		tooBig *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return errTooLarge
	case errors.Is(err, io.EOF):
		return &problemError{status: http.StatusBadRequest, detail: "The request body is empty: send a JSON object."}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &problemError{status: http.StatusBadRequest, detail: "The request body is not valid JSON: it ends too soon."}
	case errors.As(err, &syntax):
		return &problemError{status: http.StatusBadRequest, detail: fmt.Sprintf("The request body is not valid JSON (at byte %d).", syntax.Offset)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return &problemError{status: http.StatusBadRequest, detail: fmt.Sprintf("The field %s is not one this request takes.", strings.TrimPrefix(err.Error(), "json: unknown field "))}
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		if field == "" {
			return &problemError{status: http.StatusBadRequest, detail: "The request body must be a JSON object."}
		}
		return &problemError{status: http.StatusBadRequest, detail: fmt.Sprintf("The field %q must be %s, not a JSON %s.", field, describe(typ.Type.Kind().String()), typ.Value)}
	}
	return &problemError{status: http.StatusBadRequest, detail: "The request body is not valid JSON."}
}

// jsonPath is a field's path as the caller wrote it. encoding/json puts the Go name of an
// embedded struct before its fields' (submissionJSON.message), a name no caller sent; the
// request bodies' JSON names are all lower case and the embedded types' names are not, so a
// part with an upper-case letter is left out.
func jsonPath(path string) string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		if strings.ToLower(part) == part {
			out = append(out, part)
		}
	}
	return strings.Join(out, ".")
}

// describe names a Go kind as a JSON type.
func describe(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return "of another type"
}
