package cli

import "testing"

// TestDemoSeed: KRAG_DEMO decides whether krag serve seeds the /posts demo; by default only in
// development, since its permissions give every user rights on "Post".
func TestDemoSeed(t *testing.T) {
	tests := []struct {
		name, value string
		development bool
		want        bool
		err         bool
	}{
		{"development_default", "", true, true, false},
		{"production_default", "", false, false, false},
		{"production_on", "on", false, true, false},
		{"development_off", "OFF", true, false, false},
		{"bad_value", "maybe", true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := &Env{Getenv: func(k string) string {
				if k == "KRAG_DEMO" {
					return tt.value
				}
				return ""
			}}
			got, err := demoSeed(env, tt.development)
			if got != tt.want || (err != nil) != tt.err {
				t.Errorf("demoSeed(KRAG_DEMO=%q, development %v) = %v, %v, want %v (error %v)", tt.value, tt.development, got, err, tt.want, tt.err)
			}
		})
	}
}
