package desktop

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DeviceCode is what the user needs to approve a device sign-in (RFC 8628 §3.2).
type DeviceCode struct {
	// UserCode is the short code to enter, "ABCD-EFGH".
	UserCode string
	// VerificationURI is the page to enter it on; VerificationURIComplete has it filled in.
	VerificationURI, VerificationURIComplete string
	// ExpiresAt is when the code stops working.
	ExpiresAt time.Time
}

// Errors of the device flow, from the server's RFC 8628 answers.
var (
	// ErrDeviceDenied is a sign-in the user refused (access_denied).
	ErrDeviceDenied = errors.New("desktop: the sign-in was denied")
	// ErrDeviceExpired is a code that expired before anyone approved it (expired_token).
	ErrDeviceExpired = errors.New("desktop: the code expired before it was approved; start again")
)

// DeviceOptions configures SignInDevice.
type DeviceOptions struct {
	// Scope is asked for, space-separated; "" for none.
	Scope string
	// Show tells the user the code and where to enter it. Required.
	Show func(DeviceCode)
	// Progress is told about waiting, in sentences for people. Default: nothing.
	Progress func(msg string)
	// Sleep waits between polls. Default: a timer that ctx interrupts.
	Sleep func(ctx context.Context, d time.Duration) error
}

// SignInDevice signs in with the device-authorization flow (RFC 8628): it asks the server
// for a code pair, shows the user code, and polls until the user approves or denies it on
// another device, slowing down by 5 seconds whenever the server says slow_down.
func (a *App) SignInDevice(ctx context.Context, o DeviceOptions) (*Session, error) {
	if o.Show == nil {
		return nil, errors.New("desktop: DeviceOptions.Show is required")
	}
	say := o.Progress
	if say == nil {
		say = func(string) {}
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
	}
	req := map[string]string{"client_id": a.cfg.ClientID}
	if o.Scope != "" {
		req["scope"] = o.Scope
	}
	var code struct {
		DeviceCode              string `json:"device_code"`
		UserCode                string `json:"user_code"`
		VerificationURI         string `json:"verification_uri"`
		VerificationURIComplete string `json:"verification_uri_complete"`
		ExpiresIn               int64  `json:"expires_in"`
		Interval                int64  `json:"interval"`
	}
	if _, err := a.call(ctx, "POST", "/device/code", "", req, &code); err != nil {
		return nil, fmt.Errorf("desktop: ask for a device code: %w", err)
	}
	if code.DeviceCode == "" || code.UserCode == "" {
		return nil, errors.New("desktop: ask for a device code: the server answered no code")
	}
	o.Show(DeviceCode{UserCode: code.UserCode, VerificationURI: code.VerificationURI,
		VerificationURIComplete: code.VerificationURIComplete, ExpiresAt: time.Now().Add(time.Duration(code.ExpiresIn) * time.Second)})
	interval := time.Duration(code.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	poll := map[string]string{"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
		"device_code": code.DeviceCode, "client_id": a.cfg.ClientID}
	say("Waiting for you to approve the sign-in…")
	for {
		if err := sleep(ctx, interval); err != nil {
			return nil, fmt.Errorf("desktop: waiting for approval: %w", err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_, err := a.call(ctx, "POST", "/device/token", "", poll, &tok)
		var he *HTTPError
		switch {
		case err == nil:
			if tok.AccessToken == "" {
				return nil, errors.New("desktop: the server approved the device but sent no token")
			}
			if err := a.cfg.Store.Set(tok.AccessToken); err != nil {
				return nil, fmt.Errorf("desktop: keep the session: %w", err)
			}
			return a.Current(ctx)
		case !errors.As(err, &he):
			return nil, fmt.Errorf("desktop: poll for approval: %w", err)
		case he.Code == "authorization_pending":
		case he.Code == "slow_down":
			interval += 5 * time.Second
			say(fmt.Sprintf("The server asked to poll less often; now every %s.", interval))
		case he.Code == "access_denied":
			return nil, ErrDeviceDenied
		case he.Code == "expired_token":
			return nil, ErrDeviceExpired
		default:
			return nil, fmt.Errorf("desktop: poll for approval: %w", err)
		}
	}
}
