package web

import (
	"bytes"
	"cmp"
	"context"
	"net"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/council/intake/internal/feedback"
)

// The console's sign-in: an emailed link, confirmed on a page of its own (so that a mail
// scanner following the link signs nobody in), a session cookie, and signing out.

// preToken returns the anti-forgery token for the forms shown before signing in, setting the
// cookie it is derived from if the browser has none.
func (c *Console) preToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(preCookie); err == nil && len(ck.Value) == 32 {
		v = ck.Value
	} else {
		v = randomHex(16)
		http.SetCookie(w, &http.Cookie{Name: preCookie, Value: v, Path: "/officer/sign-in", MaxAge: 3600,
			HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	}
	return c.SignIn.CSRF("pre:" + v)
}

func (c *Console) checkPre(r *http.Request) bool {
	ck, err := r.Cookie(preCookie)
	return err == nil && c.SignIn.CheckCSRF("pre:"+ck.Value, r.PostFormValue(csrfField))
}

// ---- sign-in -----------------------------------------------------------------------------

func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	d := c.view(r, "Sign in")
	d.CSRF = c.preToken(w, r)
	d.SignedOut = r.URL.Query().Get("signed_out") == "1"
	d.Expired = r.URL.Query().Get("expired") == "1"
	c.rememberReturn(w, r)
	c.render(w, http.StatusOK, signInPage, d)
}

func (c *Console) requestLink(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !c.checkPre(r) {
		c.forbidden(w, r, "This form has expired. Go back, reload the page and try again.")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		d := c.view(r, "Sign in")
		d.CSRF = c.preToken(w, r)
		d.Errors = []feedback.FieldError{{Field: "email", Message: "Enter your council email address, like name@council.gov.uk"}}
		d.Values = map[string]string{"email": email}
		c.render(w, http.StatusUnprocessableEntity, signInPage, d)
		return
	}
	pending, err := c.SignIn.RequestLink(r.Context(), email, requester(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	// The same page whether or not the address is on the staff, answered in full before the
	// link is sent, so that neither the page nor its timing tells who is on the staff.
	answered := &bufferedResponse{header: w.Header()}
	c.render(answered, http.StatusOK, sentPage, c.view(r, "Check your email"))
	answered.flushTo(w)
	if err := pending.Send(context.WithoutCancel(r.Context())); err != nil {
		c.log().Error("sign-in link not sent", "request_id", requestID(r), "err", err)
	}
}

// requester is who is asking, as far as Intake can tell: the client's address as the runner's
// server or API Gateway (the source IP) gives it, never a header the client could write.
func requester(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// bufferedResponse holds a page until it is complete, so that it can be sent with its length
// and flushed: the browser then has the whole answer while the handler carries on.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }

func (b *bufferedResponse) flushTo(w http.ResponseWriter) {
	w.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	w.WriteHeader(cmp.Or(b.status, http.StatusOK))
	w.Write(b.body.Bytes())
	http.NewResponseController(w).Flush()
}

func (c *Console) confirmForm(w http.ResponseWriter, r *http.Request) {
	// A GET never uses the link: mail scanners fetch links before people click them.
	d := c.view(r, "Sign in to the console")
	d.CSRF = c.preToken(w, r)
	d.Token = r.PathValue("token")
	c.render(w, http.StatusOK, confirmPage, d)
}

func (c *Console) redeem(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !c.checkPre(r) {
		c.forbidden(w, r, "This form has expired. Open the link from your email again.")
		return
	}
	sess, err := c.SignIn.Redeem(r.Context(), r.PathValue("token"))
	if err != nil {
		if code := feedback.ErrorCode(err); code == feedback.ENOTFOUND || code == feedback.EFORBIDDEN {
			d := c.view(r, "That link cannot be used")
			d.Message = feedback.ErrorMessage(err)
			c.render(w, Status(err), linkUsedPage, d)
			return
		}
		c.fail(w, r, err)
		return
	}
	// Signing in ends whatever session this browser had: someone signing in as another member of
	// staff must not leave the earlier one live behind the new cookie.
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		if err := c.SignIn.SignOut(r.Context(), old.Value); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(sess.ExpiresAt.Sub(c.Service.Clock.Now()).Seconds()), HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: preCookie, Path: "/officer/sign-in", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, c.afterSignIn(w, r), http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if !c.SignIn.CheckCSRF(sess.Token, r.PostFormValue(csrfField)) {
		c.forbidden(w, r, "This form has expired. Go back, reload the page and try again.")
		return
	}
	if err := c.SignIn.SignOut(r.Context(), sess.Token); err != nil {
		c.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	c.forgetSignedIn(w)
	http.Redirect(w, r, "/officer/sign-in?signed_out=1", http.StatusSeeOther)
}

// ---- my cases ----------------------------------------------------------------------------
