package web

import (
	"net/http"
	"net/mail"
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
	if err := c.SignIn.RequestLink(r.Context(), email); err != nil {
		c.fail(w, r, err)
		return
	}
	// The same page whether or not the address is on the staff: nothing to enumerate.
	c.render(w, http.StatusOK, sentPage, c.view(r, "Check your email"))
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
