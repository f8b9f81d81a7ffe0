// Package mysql opens Krag's store on MySQL 8 or MariaDB 10.11+ through
// github.com/go-sql-driver/mysql. Sessions run in UTC, dates are read as time.Time, and the
// driver's errors are classified for the store (duplicate keys, lost connections).
package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store/sqlstore"
)

// Options tune the connection pool. The zero value is ready to use.
type Options struct {
	sqlstore.Pool
	// Logger receives the driver's own messages (dropped connections) at debug level.
	// Default slog.Default().
	Logger *slog.Logger
}

// Open connects to the database named by dsn: "mysql://user:password@host:3306/db" (the
// seed's form; "mariadb://" too) or the driver's own "user:password@tcp(host:3306)/db".
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.DB, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	pool := o.Pool.WithDefaults()
	cfg.Timeout = pool.DialTimeout
	lg := o.Logger
	if lg == nil {
		lg = slog.Default()
	}
	cfg.Logger = driverLogger{lg}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	return pool.Open(ctx, sql.OpenDB(conn), sqlstore.Dialect{
		Name:          schema.MySQL,
		IsUnique:      isUnique,
		IsUnavailable: isUnavailable,
	}, cfg.Addr+" as "+cfg.User)
}

// ParseDSN reads a mysql:// URL or a driver DSN into the driver's configuration, with the
// settings Krag relies on: UTC sessions and time.Time dates.
func ParseDSN(dsn string) (*mysql.Config, error) {
	var cfg *mysql.Config
	if strings.HasPrefix(dsn, "mysql://") || strings.HasPrefix(dsn, "mariadb://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("mysql: DSN: %w", err)
		}
		cfg = mysql.NewConfig()
		cfg.Net = "tcp"
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "3306")
		}
		cfg.Addr = host
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		q := u.Query()
		if s := q.Get("socket"); s != "" {
			cfg.Net, cfg.Addr = "unix", s
			q.Del("socket")
		}
		if t := q.Get("tls"); t != "" {
			cfg.TLSConfig = t
			q.Del("tls")
		}
		for k := range q {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[k] = q.Get(k)
		}
	} else {
		var err error
		cfg, err = mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("mysql: DSN: %w", err)
		}
	}
	if cfg.DBName == "" {
		return nil, errors.New("mysql: the DSN names no database (mysql://user:password@host:3306/DATABASE)")
	}
	cfg.ParseTime = true
	// Update reports the rows that matched, as the other backends do, not only those whose
	// values changed: a write of identical values is not "no such row".
	cfg.ClientFoundRows = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.InterpolateParams = false
	return cfg, nil
}

// driverLogger passes the driver's messages to slog at debug level: a dropped idle connection
// is routine, and Krag reports the failures that matter itself.
type driverLogger struct{ l *slog.Logger }

func (d driverLogger) Print(v ...any) {
	d.l.Debug("mysql driver: " + strings.TrimSpace(fmt.Sprint(v...)))
}

func isUnique(err error) bool {
	var e *mysql.MySQLError
	return errors.As(err, &e) && e.Number == 1062
}

func isUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var e *mysql.MySQLError
	if errors.As(err, &e) {
		switch e.Number {
		case 1040, 1053, 1077, 1129, 1152, 1158, 1159, 1160, 1161, 1205, 2002, 2003, 2006, 2013:
			// too many connections, server shutdown, lost/aborted connections, lock wait timeout
			return true
		}
	}
	return strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "broken pipe")
}
