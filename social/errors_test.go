package social_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kragauth/krag/social"
)

func TestErrorMessageAndIdentity(t *testing.T) {
	tests := []struct {
		name string
		err  *social.Error
		want string
	}{
		{
			name: "refused_code",
			err: &social.Error{Kind: social.ErrInvalidCode, Provider: "github", Op: "exchange",
				URL: "https://github.com/login/oauth/access_token", Status: 200,
				Code: "bad_verification_code", Description: "The code passed is incorrect or expired."},
			want: "social: github: exchange https://github.com/login/oauth/access_token: the provider refused the authorization code: status 200: bad_verification_code: The code passed is incorrect or expired.",
		},
		{
			name: "refused_refresh_token",
			err:  &social.Error{Kind: social.ErrInvalidCode, Provider: "github", Op: "refresh", Code: "bad_refresh_token"},
			want: "social: github: refresh: the provider refused the refresh token: bad_refresh_token",
		},
		{
			name: "cause_and_control_characters",
			err: &social.Error{Kind: social.ErrUnreachable, Provider: "google", Op: "discovery",
				Description: "line\nforged", Err: context.DeadlineExceeded},
			want: "social: google: discovery: the provider cannot be reached: line forged: context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
			wrapped := fmt.Errorf("callback: %w", tt.err)
			if !errors.Is(wrapped, tt.err.Kind) {
				t.Errorf("errors.Is(%v, %v) = false", wrapped, tt.err.Kind)
			}
			if tt.err.Err != nil && !errors.Is(wrapped, tt.err.Err) {
				t.Errorf("errors.Is(%v, %v) = false", wrapped, tt.err.Err)
			}
			var e *social.Error
			if !errors.As(wrapped, &e) || e != tt.err {
				t.Errorf("errors.As(%v) did not find the *Error", wrapped)
			}
		})
	}
}
