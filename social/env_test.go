package social_test

import (
	"strings"
	"testing"

	"github.com/kragauth/krag/social"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantIDs []string
		wantErr []string
	}{
		{"none", nil, nil, nil},
		{"both", map[string]string{
			"GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "gs",
			"GITHUB_CLIENT_ID": "h", "GITHUB_CLIENT_SECRET": "hs",
		}, []string{"google", "github"}, nil},
		{"github_only", map[string]string{"GITHUB_CLIENT_ID": "h", "GITHUB_CLIENT_SECRET": " hs\n"}, []string{"github"}, nil},
		{"blank_is_unset", map[string]string{"GOOGLE_CLIENT_ID": "  ", "GOOGLE_CLIENT_SECRET": ""}, nil, nil},
		{"google_secret_missing", map[string]string{"GOOGLE_CLIENT_ID": "g"}, nil, []string{"GOOGLE_CLIENT_SECRET"}},
		{"both_half_configured", map[string]string{"GOOGLE_CLIENT_SECRET": "gs", "GITHUB_CLIENT_ID": "h"},
			nil, []string{"GOOGLE_CLIENT_ID is not", "GITHUB_CLIENT_SECRET is not"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := social.FromEnv(func(k string) string { return tt.env[k] }, nil)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("FromEnv = %v, want an error", ps)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("FromEnv error %q does not name %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, p.ID())
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("FromEnv ids = %q, want %q", ids, tt.wantIDs)
			}
		})
	}
}
