package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/app"
	"github.com/kragauth/krag/plugin/electron"
	"github.com/kragauth/krag/social"
	"github.com/kragauth/krag/store/sqlstore"
	"github.com/kragauth/krag/web"
)

const serveSynopsis = `Run the auth server (Better Auth's API at /api/auth, the web pages at /) on embedded
SQLite or the database of DATABASE_URL. On an empty database the schema is created; on an
existing one that lacks columns, serve stops and asks for 'krag migrate'.

Environment: BETTER_AUTH_SECRET (required in production; generated once and kept beside the
database in development), BETTER_AUTH_URL (the public URL, required in production),
BETTER_AUTH_TRUSTED_ORIGINS (comma-separated), DATABASE_URL, KRAG_ENV=production,
KRAG_COOKIE_CACHE (0 turns the 5-minute session cookie cache off, or a duration such as 1m),
KRAG_COOKIE_CACHE_STRATEGY (reference, the default, or compact: Better Auth's cookie format),
KRAG_RATE_LIMIT (on or off; default on in production, off in development),
KRAG_DEMO (on or off: create the /posts demo's Editor role and post permissions when missing;
default on in development, off in production, where they would grant every user rights on
"Post"),
KRAG_RAW_SESSION_TOKENS=1 (store session tokens raw, to share a database with Better Auth),
GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (sign-in
with Google and GitHub; redirect URI <BETTER_AUTH_URL>/api/auth/callback/google or /github),
KRAG_OIDC_ISSUER, KRAG_OIDC_CLIENT_ID, KRAG_OIDC_CLIENT_SECRET and KRAG_OIDC_ID (any OpenID
Connect provider, under the id KRAG_OIDC_ID, "oidc" by default),
KRAG_ELECTRON_SCHEME (the deep-link scheme of a Better Auth Electron app, client id "electron").

Desktop and CLI apps sign in at /desktop (plugin/electron): 'krag login' (client id krag-cli,
loopback redirects) and krag-desktop (client id krag-desktop, scheme krag-desktop).`

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", serveSynopsis)
	addr := fs.String("addr", ":4321", "address to listen on")
	database := fs.String("database", "", "database URL (default $DATABASE_URL, else "+defaultDatabase+")")
	baseURL := fs.String("base-url", "", "public URL of the server (default $BETTER_AUTH_URL)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	debugAddr := fs.String("debug-addr", "", "serve Go's pprof profiles on this address (e.g. 127.0.0.1:6060); off by default")
	if err := parse(fs, args); err != nil {
		return err
	}
	start := time.Now()
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, *logLevel)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))

	cfg, dsn, err := serveConfig(env, *database, *baseURL, log)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, dsn, env)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg.Database = db
	sys := app.New(cfg)
	opts := sys.Options
	if err := prepareSchema(ctx, db, opts, dsn, log); err != nil {
		return err
	}
	auth, err := krag.New(opts)
	if err != nil {
		return err
	}
	demo, err := demoSeed(env, cfg.Development)
	if err != nil {
		return err
	}
	if demo {
		if err := sys.Seed(ctx); err != nil {
			return fmt.Errorf("seed the demo's roles and permissions: %w", err)
		}
	}

	pages, err := web.New(web.Options{Auth: auth, RBAC: sys.RBAC, Admin: sys.Admin, Posts: sys.Posts, DeviceAuth: sys.DeviceAuth, Electron: sys.Electron, Providers: cfg.SocialProviders, Logger: log})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(auth.BasePath()+"/", auth)
	mux.Handle("/", pages)
	srv := &http.Server{
		Handler: mux,
		// Headers must arrive within 10 s (slowloris); bodies are bounded by Krag itself, which
		// sets a read deadline only on requests that have one, so the GETs of the session
		// check pay for no timer. Answers are small enough for the socket buffer: no write
		// timeout is needed to keep a slow reader from holding a handler.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr)", *addr, err)
	}
	go cleanupLoop(ctx, auth, log)
	if *debugAddr != "" {
		dbg := &http.Server{Addr: *debugAddr, Handler: debugMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := dbg.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Warn("krag: debug server", "err", err)
			}
		}()
		defer dbg.Close()
		log.Info("krag: pprof profiles", "addr", *debugAddr)
	}
	log.Info("krag: serving", "addr", ln.Addr().String(), "api", auth.BasePath(), "database", redact(dsn),
		"development", cfg.Development, "cookie_cache", cfg.CookieCache.String(), "startup", time.Since(start).Round(time.Millisecond).String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("krag: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveConfig reads the environment into the seed system's configuration.
func serveConfig(env *Env, dbFlag, baseFlag string, log *slog.Logger) (app.Config, string, error) {
	cfg := app.Config{Logger: log, Development: !production(env), ElectronScheme: env.Getenv("KRAG_ELECTRON_SCHEME")}
	if cfg.ElectronScheme != "" && !electron.ValidScheme(cfg.ElectronScheme) {
		return cfg, "", fmt.Errorf("KRAG_ELECTRON_SCHEME %q is not a usable URL scheme: use letters, digits, '+', '-' and '.', starting with a letter, such as com.example.app", cfg.ElectronScheme)
	}
	dsn := databaseURL(env, dbFlag)
	cfg.BaseURL = baseFlag
	if cfg.BaseURL == "" {
		cfg.BaseURL = env.Getenv("BETTER_AUTH_URL")
	}
	cfg.TrustedOrigins = splitList(env.Getenv("BETTER_AUTH_TRUSTED_ORIGINS"))
	cc, err := parseCookieCache(env.Getenv("KRAG_COOKIE_CACHE"))
	if err != nil {
		return cfg, "", err
	}
	cfg.CookieCache = cc
	switch v := strings.ToLower(env.Getenv("KRAG_COOKIE_CACHE_STRATEGY")); v {
	case "", "reference":
	case "compact":
		cfg.CookieCacheStrategy = krag.CookieCacheCompact
	default:
		return cfg, "", fmt.Errorf("KRAG_COOKIE_CACHE_STRATEGY=%q: want reference or compact", v)
	}
	switch v := strings.ToLower(env.Getenv("KRAG_RATE_LIMIT")); v {
	case "":
	case "on", "1", "true":
		cfg.EnableRateLimit = true
	case "off", "0", "false":
		cfg.DisableRateLimit = true
	default:
		return cfg, "", fmt.Errorf("KRAG_RATE_LIMIT=%q: want on or off", v)
	}
	cfg.RawTokens = env.Getenv("KRAG_RAW_SESSION_TOKENS") == "1"
	cfg.Secret = env.Getenv("BETTER_AUTH_SECRET")
	if cfg.Secret == "" {
		cfg.Secret = env.Getenv("AUTH_SECRET")
	}
	switch {
	case cfg.Secret == "" && cfg.Development:
		s, path, created, err := devSecret(dsn)
		if err != nil {
			return cfg, "", err
		}
		cfg.Secret = s
		if created {
			log.Warn("krag: no BETTER_AUTH_SECRET set; generated a development secret", "file", path)
		} else {
			log.Warn("krag: no BETTER_AUTH_SECRET set; using the development secret", "file", path)
		}
	case cfg.Secret == "":
		return cfg, "", errors.New("BETTER_AUTH_SECRET is not set: in production set it to a random string of at least 32 characters (openssl rand -base64 32)")
	case len(cfg.Secret) < 32 && !cfg.Development:
		return cfg, "", errors.New("BETTER_AUTH_SECRET must be at least 32 characters in production")
	}
	providers, err := socialProviders(env)
	if err != nil {
		return cfg, "", err
	}
	cfg.SocialProviders = providers
	if !cfg.Development && cfg.BaseURL == "" {
		return cfg, "", errors.New("BETTER_AUTH_URL is not set: in production set it to the public URL, e.g. https://app.example.com")
	}
	if !cfg.Development && strings.HasPrefix(cfg.BaseURL, "http://") {
		log.Warn("krag: BETTER_AUTH_URL is http in production: cookies are not marked Secure")
	}
	return cfg, dsn, nil
}

// demoSeed reads KRAG_DEMO: whether to seed the /posts demo's role and permissions.
func demoSeed(env *Env, development bool) (bool, error) {
	switch v := strings.ToLower(env.Getenv("KRAG_DEMO")); v {
	case "":
		return development, nil
	case "on", "1", "true":
		return true, nil
	case "off", "0", "false":
		return false, nil
	default:
		return false, fmt.Errorf("KRAG_DEMO=%q: want on or off", v)
	}
}

// prepareSchema creates the schema on an empty database and refuses to run on one that lacks
// tables or columns Krag needs.
func prepareSchema(ctx context.Context, db *sqlstore.DB, opts krag.Options, dsn string, log *slog.Logger) error {
	sch, err := krag.Schema(opts)
	if err != nil {
		return err
	}
	existing, err := db.Inspect(ctx, sch)
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		steps, err := db.Migrate(ctx, sch)
		if err != nil {
			return err
		}
		log.Info("krag: created the database schema", "statements", len(steps))
		return nil
	}
	steps, err := db.Plan(ctx, sch)
	if err != nil {
		return err
	}
	if len(steps) > 0 {
		var what []string
		for _, s := range steps {
			what = append(what, s.Reason)
		}
		return fmt.Errorf("the database schema is behind (%s); run: krag migrate --database %s", strings.Join(what, "; "), redact(dsn))
	}
	return nil
}

// cleanupLoop deletes expired sessions and verification values every hour.
func cleanupLoop(ctx context.Context, auth *krag.Auth, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := auth.Cleanup(ctx); err != nil && ctx.Err() == nil {
			log.Warn("krag: cleanup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// debugMux serves net/http/pprof's handlers, for --debug-addr.
func debugMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}

// socialProviders reads the identity providers from the environment: Google and GitHub by the
// seed's names (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET)
// and one OpenID Connect provider from KRAG_OIDC_ISSUER, KRAG_OIDC_CLIENT_ID,
// KRAG_OIDC_CLIENT_SECRET and KRAG_OIDC_ID (its provider id, "oidc" by default).
func socialProviders(env *Env) ([]social.Provider, error) {
	ps, err := social.FromEnv(env.Getenv, nil)
	if err != nil {
		return nil, err
	}
	issuer, clientID := env.Getenv("KRAG_OIDC_ISSUER"), env.Getenv("KRAG_OIDC_CLIENT_ID")
	switch {
	case issuer == "" && clientID == "":
		return ps, nil
	case issuer == "":
		return nil, errors.New("KRAG_OIDC_CLIENT_ID is set but KRAG_OIDC_ISSUER is not: set the provider's issuer URL")
	case clientID == "":
		return nil, errors.New("KRAG_OIDC_ISSUER is set but KRAG_OIDC_CLIENT_ID is not: set the client id the provider gave you")
	}
	id := env.Getenv("KRAG_OIDC_ID")
	if id == "" {
		id = "oidc"
	}
	p, err := social.NewOIDC(social.OIDCOptions{ID: id, Issuer: issuer, ClientID: clientID, ClientSecret: env.Getenv("KRAG_OIDC_CLIENT_SECRET")})
	if err != nil {
		return nil, fmt.Errorf("KRAG_OIDC_*: %w", err)
	}
	return append(ps, p), nil
}
