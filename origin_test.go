package krag_test

import (
	"encoding/json"
	"testing"

	"github.com/kragauth/krag"
)

// Origin and CSRF checks and callback URL validation (shared/spec/better-auth-core.md §8.1, §8.2).

const (
	coreMissingOrigin = `{"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"}`
	coreInvalidOrigin = `{"message":"Invalid origin","code":"INVALID_ORIGIN"}`
	coreInvalidEmail  = `{"message":"Invalid email","code":"INVALID_EMAIL"}`
)

// TestOriginCheck sends state-changing requests that carry a cookie: their Origin (or Referer)
// must be trusted. POST /sign-out needs no session, so a passing request answers 200.
func TestOriginCheck(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{TrustedOrigins: []string{"https://app.example.com"}})
	const ok = `{"success":true}`
	tests := []struct {
		name   string
		header map[string]string
		status int
		want   string
	}{
		{"no_origin", map[string]string{"Origin": ""}, 403, coreMissingOrigin},
		{"origin_null", map[string]string{"Origin": "null"}, 403, coreMissingOrigin},
		{"origin_null_cross_site", map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403, coreMissingOrigin},
		{"foreign_origin", map[string]string{"Origin": "https://evil.example"}, 403, coreInvalidOrigin},
		{"base_url_origin", nil, 200, ok},
		{"trusted_origin", map[string]string{"Origin": "https://app.example.com"}, 200, ok},
		{"trusted_origin_other_scheme", map[string]string{"Origin": "http://app.example.com"}, 403, coreInvalidOrigin},
		{"trusted_origin_other_port", map[string]string{"Origin": "https://app.example.com:8443"}, 403, coreInvalidOrigin},
		{"trusted_origin_as_suffix", map[string]string{"Origin": "https://app.example.com.evil.example"}, 403, coreInvalidOrigin},
		{"referer_trusted", map[string]string{"Origin": "", "Referer": "https://app.example.com/settings?tab=1"}, 200, ok},
		{"referer_foreign", map[string]string{"Origin": "", "Referer": "https://evil.example/app.example.com"}, 403, coreInvalidOrigin},
		{"referer_not_a_url", map[string]string{"Origin": "", "Referer": "nonsense"}, 403, coreInvalidOrigin},
		{"origin_before_referer", map[string]string{"Origin": "https://evil.example", "Referer": "https://app.example.com/"}, 403, coreInvalidOrigin},
		// A sandboxed same-origin page sends Origin: null with Sec-Fetch-Site: same-origin.
		{"origin_null_same_origin", map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 200, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-out", body: `{}`, cookie: "theme=dark", header: tt.header}
			checkJSON(t, req, req.send(t, srv), tt.status, tt.want)
		})
	}

	// GET requests are not checked.
	t.Run("get_foreign_origin", func(t *testing.T) {
		req := coreReq{method: "GET", path: "/ok", cookie: "theme=dark", header: map[string]string{"Origin": "https://evil.example"}}
		checkJSON(t, req, req.send(t, srv), 200, `{"ok":true}`)
	})
	// Without a cookie there is nothing to protect (§8.1).
	t.Run("no_cookie_foreign_origin", func(t *testing.T) {
		req := coreReq{path: "/sign-out", body: `{}`, header: map[string]string{"Origin": "https://evil.example"}}
		checkJSON(t, req, req.send(t, srv), 200, ok)
	})
}

// TestOriginFetchMetadata covers the extra check of sign-in and sign-up without cookies (§8.1).
// The sign-in body carries an invalid email, so a request that passes the check is answered
// 400 INVALID_EMAIL by the handler without any password hashing.
func TestOriginFetchMetadata(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{TrustedOrigins: []string{"https://app.example.com"}})
	const blocked = `{"message":"Cross-site navigation login blocked. This request appears to be a CSRF attack.","code":"CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"}`
	signIn := `{"email":"not-an-email","password":"password123"}`
	signUp := `{"name":"Eve","email":"eve@example.com","password":"password123"}`
	tests := []struct {
		name   string
		path   string
		body   string
		cookie string
		header map[string]string
		status int
		want   string
	}{
		{"cross_site_navigation", "/sign-in/email", signIn, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Origin": "https://evil.example"}, 403, blocked},
		{"cross_site_navigation_no_origin", "/sign-in/email", signIn, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, 403, blocked},
		{"cross_site_navigation_sign_up", "/sign-up/email", signUp, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, 403, blocked},
		{"fetch_metadata_foreign_origin", "/sign-in/email", signIn, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Origin": "https://evil.example"}, 403, coreInvalidOrigin},
		{"fetch_metadata_foreign_origin_sign_up", "/sign-up/email", signUp, "", map[string]string{"Sec-Fetch-Mode": "cors", "Origin": "https://evil.example"}, 403, coreInvalidOrigin},
		{"fetch_metadata_no_origin", "/sign-in/email", signIn, "", map[string]string{"Sec-Fetch-Dest": "empty"}, 403, coreMissingOrigin},
		{"fetch_metadata_trusted_origin", "/sign-in/email", signIn, "", map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "Origin": "https://app.example.com"}, 400, coreInvalidEmail},
		{"fetch_metadata_same_origin", "/sign-in/email", signIn, "", map[string]string{"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Origin": srv.URL}, 400, coreInvalidEmail},
		{"server_to_server", "/sign-in/email", signIn, "", nil, 400, coreInvalidEmail},
		{"no_fetch_metadata_foreign_origin", "/sign-in/email", signIn, "", map[string]string{"Origin": "https://evil.example"}, 403, coreInvalidOrigin},
		{"no_fetch_metadata_foreign_referer", "/sign-in/email", signIn, "", map[string]string{"Referer": "https://evil.example/login"}, 403, coreInvalidOrigin},
		// With a cookie the normal origin check applies instead.
		{"cookie_cross_site_navigation_trusted", "/sign-in/email", signIn, "theme=dark", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Origin": "https://app.example.com"}, 400, coreInvalidEmail},
		{"cookie_foreign_origin", "/sign-in/email", signIn, "theme=dark", map[string]string{"Origin": "https://evil.example"}, 403, coreInvalidOrigin},
		// The global check runs before schema validation, the Fetch Metadata check after it
		// (§1.2, §2.2 step 1).
		{"cookie_check_before_validation", "/sign-in/email", `{}`, "theme=dark", map[string]string{"Origin": "https://evil.example"}, 403, coreInvalidOrigin},
		{"fetch_metadata_after_validation", "/sign-in/email", `{}`, "", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, 400,
			`{"message":"[body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined","code":"VALIDATION_ERROR"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: tt.path, body: tt.body, cookie: tt.cookie, header: tt.header}
			res := req.send(t, srv)
			checkJSON(t, req, res, tt.status, tt.want)
		})
	}
}

// TestOriginTrustedPatterns checks wildcard and custom-scheme trusted origins against the
// Origin header of a cookie-bearing POST /sign-out.
func TestOriginTrustedPatterns(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{TrustedOrigins: []string{
		"https://*.example.com",
		"*.example.org",
		"192.168.*.*",
		"myapp://",
	}})
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"scheme_wildcard", "https://app.example.com", true},
		{"scheme_wildcard_deeper", "https://a.b.example.com", true},
		{"scheme_wildcard_other_scheme", "http://app.example.com", false},
		{"scheme_wildcard_apex", "https://example.com", false},
		{"scheme_wildcard_suffix_trick", "https://app.example.com.evil.example", false},
		{"scheme_wildcard_lookalike", "https://appexample.com", false},
		{"host_wildcard_https", "https://shop.example.org", true},
		{"host_wildcard_http", "http://shop.example.org", true},
		{"host_wildcard_apex", "https://example.org", false},
		{"host_wildcard_suffix_trick", "https://shop.example.org.evil.example", false},
		{"ipv4_wildcard", "http://192.168.1.20", true},
		{"ipv4_wildcard_port", "http://192.168.1.20:3000", true},
		{"ipv4_wildcard_hostname", "http://192.168.evil.example", false},
		{"ipv4_wildcard_other_net", "http://10.168.1.20", false},
		{"custom_scheme", "myapp://", true},
		{"custom_scheme_host", "myapp://auth", true},
		{"other_custom_scheme", "otherapp://auth", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-out", body: `{}`, cookie: "theme=dark", header: map[string]string{"Origin": tt.origin}}
			if tt.ok {
				checkJSON(t, req, req.send(t, srv), 200, `{"success":true}`)
			} else {
				checkJSON(t, req, req.send(t, srv), 403, coreInvalidOrigin)
			}
		})
	}
}

// TestOriginCallbackURL checks the URL fields of requests (§8.2). The sign-in body carries an
// invalid email, so an accepted URL is answered 400 INVALID_EMAIL by the handler.
func TestOriginCallbackURL(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{TrustedOrigins: []string{
		"https://app.example.com",
		"https://*.tenant.example",
		"myapp://",
		"exp://192.168.1.5:8081/--/auth",
	}})
	const rejected = `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{"relative_path", "/ok?x=1", true},
		{"root", "/", true},
		{"relative_with_fragment", "/dashboard#top", true},
		{"base_url", srv.URL + "/home", true},
		{"trusted_origin_with_path", "https://app.example.com/after?x=1", true},
		{"wildcard_origin", "https://acme.tenant.example/welcome", true},
		{"custom_scheme", "myapp://auth/callback", true},
		{"custom_scheme_path_prefix", "exp://192.168.1.5:8081/--/auth/done", true},
		{"custom_scheme_other_path", "exp://192.168.1.5:8081/--/other", false},
		{"custom_scheme_dot_dot", "exp://192.168.1.5:8081/--/auth/../other", false},
		{"protocol_relative", "//evil.com", false},
		{"backslash", `/\evil.com`, false},
		{"encoded_slashes", "/%2F%2Fevil.com", false},
		{"encoded_slashes_lower_case", "/%2f%2fevil.com", false},
		{"encoded_backslash", "/%5Cevil.com", false},
		{"control_character", "/ok\tx", false},
		{"no_leading_slash", "ok?x=1", false},
		{"javascript", "javascript:alert(1)", false},
		{"data", "data:text/html,hi", false},
		{"foreign_origin", "https://evil.com", false},
		{"foreign_origin_trusted_path", "https://evil.com/app.example.com", false},
		{"trusted_as_userinfo", "https://app.example.com@evil.com/", false},
		{"trusted_as_suffix", "https://app.example.com.evil.com/", false},
		{"trusted_other_scheme", "http://app.example.com/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: "/sign-in/email", body: `{"email":"not-an-email","password":"password123","callbackURL":` + coreQuote(tt.url) + `}`}
			res := req.send(t, srv)
			if tt.ok {
				checkJSON(t, req, res, 400, coreInvalidEmail)
			} else {
				checkJSON(t, req, res, 403, rejected)
			}
		})
	}
}

// TestOriginURLFields covers the other URL fields, the query, and values that are not strings.
func TestOriginURLFields(t *testing.T) {
	t.Parallel()
	srv := coreServer(t, krag.Options{})
	tests := []struct {
		name   string
		path   string
		body   string
		status int
		want   string
	}{
		{"callback_url_not_a_string", "/sign-in/email", `{"email":"x","password":"y","callbackURL":5}`, 400, `{"message":"Invalid callbackURL: expected a string"}`},
		{"callback_url_object", "/sign-in/email", `{"email":"x","password":"y","callbackURL":{"href":"/"}}`, 400, `{"message":"Invalid callbackURL: expected a string"}`},
		{"callback_url_query", "/sign-in/email?callbackURL=https%3A%2F%2Fevil.com", `{"email":"x","password":"y"}`, 403, `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`},
		{"callback_url_query_relative", "/sign-in/email?callbackURL=%2Fok", `{"email":"x","password":"y"}`, 400, coreInvalidEmail},
		{"redirect_to", "/sign-in/email", `{"email":"x","password":"y","redirectTo":"https://evil.com"}`, 403, `{"message":"Invalid redirectURL","code":"INVALID_REDIRECT_URL"}`},
		{"redirect_to_not_a_string", "/sign-in/email", `{"email":"x","password":"y","redirectTo":true}`, 400, `{"message":"Invalid redirectURL: expected a string"}`},
		{"error_callback_url", "/sign-in/email", `{"email":"x","password":"y","errorCallbackURL":"//evil.com"}`, 403, `{"message":"Invalid errorCallbackURL","code":"INVALID_ERROR_CALLBACK_URL"}`},
		{"new_user_callback_url", "/sign-in/email", `{"email":"x","password":"y","newUserCallbackURL":"https://evil.com"}`, 403, `{"message":"Invalid newUserCallbackURL","code":"INVALID_NEW_USER_CALLBACK_URL"}`},
		// URL fields are checked on every route, with or without cookies.
		{"sign_out_callback_url", "/sign-out", `{"callbackURL":"https://evil.com"}`, 403, `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := coreReq{path: tt.path, body: tt.body}
			checkJSON(t, req, req.send(t, srv), tt.status, tt.want)
		})
	}
}

// TestOriginSwitches covers Advanced.DisableCSRFCheck and Advanced.DisableOriginCheck.
func TestOriginSwitches(t *testing.T) {
	t.Parallel()
	noOrigin := coreReq{path: "/sign-out", body: `{}`, cookie: "theme=dark", header: map[string]string{"Origin": ""}}
	navigation := coreReq{path: "/sign-in/email", body: `{"email":"x","password":"y"}`, header: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}}
	evilCallback := coreReq{path: "/sign-in/email", body: `{"email":"x","password":"y","callbackURL":"https://evil.com"}`}
	tests := []struct {
		name     string
		advanced krag.AdvancedOptions
		req      coreReq
		status   int
		want     string
	}{
		{"csrf_off_no_origin", krag.AdvancedOptions{DisableCSRFCheck: true}, noOrigin, 200, `{"success":true}`},
		{"csrf_off_navigation", krag.AdvancedOptions{DisableCSRFCheck: true}, navigation, 400, coreInvalidEmail},
		{"csrf_off_callback_still_checked", krag.AdvancedOptions{DisableCSRFCheck: true}, evilCallback, 403, `{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}`},
		{"origin_off_callback", krag.AdvancedOptions{DisableOriginCheck: true}, evilCallback, 400, coreInvalidEmail},
		{"origin_off_no_origin", krag.AdvancedOptions{DisableOriginCheck: true}, noOrigin, 200, `{"success":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := coreServer(t, krag.Options{Advanced: tt.advanced})
			checkJSON(t, tt.req, tt.req.send(t, srv), tt.status, tt.want)
		})
	}
}

// coreQuote returns s as a JSON string.
func coreQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
