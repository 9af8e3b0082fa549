package feedback

import (
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
)

// Role is what a member of staff may do in Intake.
type Role string

// The roles. An officer works their own cases and their team's (the service areas they belong
// to, whose cases may be routed to a team mailbox); a manager oversees their service areas and
// receives overdue reminders; an admin (the complaints team) sees everything and manages
// restrictions and reports; a monitor forwards social-media posts.
const (
	RoleOfficer Role = "officer"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
	RoleMonitor Role = "monitor"
)

// StaffMember is one person in the staff directory.
type StaffMember struct {
	Email string
	Role  Role
	// Areas are the service areas the officer's team or the manager's remit covers.
	Areas []string
}

// Directory is the staff who may sign in, by lower-cased email address.
type Directory map[string]StaffMember

// Lookup finds a member of staff by address, whatever its case.
func (d Directory) Lookup(email string) (StaffMember, bool) {
	m, ok := d[strings.ToLower(strings.TrimSpace(email))]
	return m, ok
}

// managers returns the managers whose remit covers area, sorted by address.
func (d Directory) managers(area string) []StaffMember {
	var out []StaffMember
	for _, m := range d {
		if m.Role == RoleManager && slices.Contains(m.Areas, area) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out
}

// CanSee reports whether m may see case c: an admin sees every case; a manager the cases of
// their areas; an officer the cases assigned to them and those of their team's areas (which
// covers a team mailbox's cases); a monitor none through this rule.
func (m StaffMember) CanSee(c *Case) bool {
	switch m.Role {
	case RoleAdmin:
		return true
	case RoleManager, RoleOfficer:
		return strings.EqualFold(c.AssignedTo, m.Email) || (c.ServiceArea != "" && slices.Contains(m.Areas, c.ServiceArea))
	}
	return false
}

// ParseDirectory reads a staff directory written as
// "ana@council.gov.uk=admin,bo@council.gov.uk=manager:planning|housing,cy@council.gov.uk=officer:planning".
// Every entry it cannot read is named in the error.
func ParseDirectory(s string) (Directory, error) {
	d := Directory{}
	var bad []string
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		email, spec, ok := strings.Cut(entry, "=")
		email = strings.ToLower(strings.TrimSpace(email))
		role, areas, _ := strings.Cut(strings.TrimSpace(spec), ":")
		m := StaffMember{Email: email, Role: Role(strings.ToLower(role))}
		for _, a := range strings.Split(areas, "|") {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
				m.Areas = append(m.Areas, a)
			}
		}
		addr, err := mail.ParseAddress(email)
		switch {
		case !ok || err != nil || addr.Address != email:
			bad = append(bad, fmt.Sprintf("%q (want address=role or address=role:area|area)", entry))
		case m.Role != RoleOfficer && m.Role != RoleManager && m.Role != RoleAdmin && m.Role != RoleMonitor:
			bad = append(bad, fmt.Sprintf("%q (the role must be officer, manager, admin or monitor)", entry))
		default:
			d[email] = m
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("these staff entries cannot be read: %s", strings.Join(bad, ", "))
	}
	return d, nil
}
