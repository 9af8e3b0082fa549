package mailparse

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/council/intake/internal/feedback"
	"github.com/jhillyerd/enmime/v2"
)

type body struct {
	limits   Limits
	disarmed int // containers flattenDeep disarmed, already reported
	problems []string
	uuFiles  []uuFile // files found uuencoded in plain text
	declared string   // a charset the message declares, for parts that declare none
}

func (b *body) problem(p string) { b.problems = append(b.problems, p) }

func (b *body) read(env *enmime.Envelope, m *feedback.InboundEmail) {
	if env.Root == nil {
		m.Text = cleanText(env.Text)
		m.NewText, m.Quoted, m.Forwarded = splitQuoted(m.Text)
		return
	}
	skip := map[*enmime.Part]bool{}
	segs := b.texts(env.Root, 0, skip)
	var parts []string
	fromHTML := true
	for _, s := range segs {
		for _, l := range s.leaves {
			// Plain and enriched text used, or a part without words, need no file; HTML
			// keeps its formatting as one.
			if s.kind != textHTML || !s.hasWords() {
				skip[l] = true
			}
		}
		if t := strings.TrimSpace(cleanText(s.text)); t != "" {
			parts = append(parts, t)
			fromHTML = fromHTML && s.kind == textHTML
		}
	}
	m.Text = strings.Join(parts, "\n\n")
	m.TextFromHTML = m.Text != "" && fromHTML
	m.NewText, m.Quoted, m.Forwarded = splitQuoted(m.Text)
	leaves, depth := walk(env.Root)
	if depth > b.limits.MaxDepth {
		// flattenDeep should have prevented this; say so rather than hide it.
		b.problem(fmt.Sprintf("the message nests more than %d levels deep", b.limits.MaxDepth))
	}
	b.attachments(leaves, skip, env.Root, m)
	m.Report = b.report(env.Root)
}

// walk returns the leaf parts of the tree in order, and its depth in multipart levels, without
// recursion.
func walk(root *enmime.Part) ([]*enmime.Part, int) {
	type item struct {
		p     *enmime.Part
		depth int
	}
	var leaves []*enmime.Part
	maxDepth := 0
	stack := []item{{root, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.p.FirstChild == nil {
			leaves = append(leaves, it.p)
			continue
		}
		d := it.depth + 1
		maxDepth = max(maxDepth, d)
		var children []*enmime.Part
		for c := it.p.FirstChild; c != nil; c = c.NextSibling {
			children = append(children, c)
		}
		for i := len(children) - 1; i >= 0; i-- {
			stack = append(stack, item{children[i], d})
		}
	}
	return leaves, maxDepth
}

// file is one attachment to keep: a part, or a file decoded from uuencode.
type file struct {
	name, ctype, cid string
	inline           bool
	content          []byte
}

// files lists the attachments to keep, in order: every leaf not in skip (the text kept as text),
// then the uuencoded files.
func (b *body) files(leaves []*enmime.Part, skip map[*enmime.Part]bool, root *enmime.Part) (out []file, disarmed int) {
	for _, p := range leaves {
		if skip[p] {
			continue
		}
		if strings.HasPrefix(p.ContentType, "multipart/") {
			// A container that was not opened: too deep, or without a boundary.
			if p != root {
				disarmed++
			}
			continue
		}
		if len(p.Content) == 0 && p.FileName == "" {
			continue // an empty part: nothing to keep
		}
		out = append(out, file{name: p.FileName, ctype: p.ContentType, cid: p.ContentID,
			inline: p.Disposition == "inline" || (p.Disposition == "" && p.ContentID != ""), content: p.Content})
	}
	for _, u := range b.uuFiles {
		out = append(out, file{name: u.name, ctype: "application/octet-stream", content: u.content})
	}
	return out, disarmed
}

func (b *body) attachments(leaves []*enmime.Part, skip map[*enmime.Part]bool, root *enmime.Part, m *feedback.InboundEmail) {
	var n, tooMany int
	var total int64
	files, disarmed := b.files(leaves, skip, root)
	for _, p := range files {
		n++
		size := int64(len(p.content))
		ctype := strings.ToLower(oneLine(p.ctype, 100))
		if ctype == "" {
			ctype = "text/plain" // RFC 2045's default for a part without a Content-Type
		}
		switch {
		case len(m.Attachments) >= b.limits.MaxAttachments:
			tooMany++
			continue
		case size > b.limits.MaxAttachmentBytes:
			b.problem(fmt.Sprintf("attachment %d (%s, %s) is larger than the %s limit and was dropped",
				n, ctype, mb(size), mb(b.limits.MaxAttachmentBytes)))
			continue
		case total+size > b.limits.MaxTotalAttachmentBytes:
			b.problem(fmt.Sprintf("attachment %d (%s, %s) would take the attachments past %s in all and was dropped",
				n, ctype, mb(size), mb(b.limits.MaxTotalAttachmentBytes)))
			continue
		}
		total += size
		m.Attachments = append(m.Attachments, feedback.Attachment{
			Name:        safeName(p.name, n, ctype),
			ContentType: ctype,
			ContentID:   strings.Trim(oneLine(p.cid, maxIDRunes), "<>"),
			Inline:      p.inline,
			Size:        len(p.content),
			Content:     p.content,
		})
	}
	if tooMany > 0 {
		b.problem(fmt.Sprintf("the message has %d attachments; only the first %d were kept", n, b.limits.MaxAttachments))
	}
	if unopened := disarmed - b.disarmed; unopened > 0 {
		b.problem(fmt.Sprintf("%s could not be opened", count(unopened, "multipart section")))
	}
}

// report reads the first multipart/report in the message: the recipients from its delivery
// status and the ids of the original messages it quotes.
func (b *body) report(root *enmime.Part) *feedback.Report {
	rp := root.BreadthMatchFirst(func(p *enmime.Part) bool { return p.ContentType == "multipart/report" })
	if rp == nil {
		return nil
	}
	_, params := parseType(rp.Header.Get("Content-Type"))
	r := &feedback.Report{Type: strings.ToLower(oneLine(params["report-type"], 100))}
	leaves, _ := walk(rp)
	for _, p := range leaves {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			r.Recipients = append(r.Recipients, deliveryStatus(p.Content)...)
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
			h, _ := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(p.Content)), discard{})
			if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
				r.OriginalMessageIDs = append(r.OriginalMessageIDs, ids[0])
			}
		}
	}
	if len(r.Recipients) > maxRecipients {
		b.problem("the delivery report lists more than 1000 recipients; the rest were ignored")
		r.Recipients = r.Recipients[:maxRecipients]
	}
	return r
}

// deliveryStatus reads the per-recipient field groups of a message/delivery-status body (RFC 3464
// §2.1: groups of header-like fields separated by blank lines; the first group is per message).
func deliveryStatus(content []byte) []feedback.ReportRecipient {
	var out []feedback.ReportRecipient
	br := bufio.NewReader(bytes.NewReader(content))
	for len(out) <= maxRecipients {
		// Skip blank lines between groups; stop at the end.
		for {
			c, err := br.Peek(1)
			if err != nil {
				return out
			}
			if c[0] != '\r' && c[0] != '\n' {
				break
			}
			_, _ = br.ReadByte()
		}
		h, err := enmime.ReadHeader(br, discard{})
		if err != nil {
			return out
		}
		addr := h.Get("Final-Recipient")
		if addr == "" {
			addr = h.Get("Original-Recipient")
		}
		if addr == "" {
			continue // the per-message group, or junk
		}
		if _, a, ok := strings.Cut(addr, ";"); ok {
			addr = a
		}
		status, _, _ := strings.Cut(strings.TrimSpace(h.Get("Status")), " ")
		out = append(out, feedback.ReportRecipient{
			Email:  cleanEmail(addr),
			Action: strings.ToLower(oneLine(h.Get("Action"), 20)),
			Status: oneLine(status, 20),
		})
	}
	return out
}
