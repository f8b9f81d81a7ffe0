package desktop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// toolTimeout bounds each run of xdg-mime and update-desktop-database.
const toolTimeout = 30 * time.Second

func registerScheme(r Registration) error {
	dir, err := applicationsDir(r)
	if err != nil {
		return fmt.Errorf("desktop: register scheme: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("desktop: register scheme: %w", err)
	}
	file := r.AppID + ".desktop"
	path := filepath.Join(dir, file)
	tmp, err := writeTemp(dir, file, []byte(desktopEntry(r)))
	if err == nil {
		// Desktop files are conventionally world-readable; this one holds no secret.
		if err = os.Chmod(tmp, 0o644); err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			os.Remove(tmp)
		}
	}
	if err != nil {
		return fmt.Errorf("desktop: register scheme: write desktop file: %w", err)
	}
	mime := "x-scheme-handler/" + strings.ToLower(r.Scheme)
	if err := runTool("xdg-mime", "default", file, mime); err != nil {
		return fmt.Errorf("desktop: register scheme: wrote %s, but %w", path, err)
	}
	if err := updateDesktopDatabase(dir); err != nil {
		return fmt.Errorf("desktop: register scheme: %w", err)
	}
	return nil
}

func unregisterScheme(r Registration) error {
	dir, err := applicationsDir(r)
	if err != nil {
		return fmt.Errorf("desktop: unregister scheme: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, r.AppID+".desktop")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("desktop: unregister scheme: %w", err)
	}
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(cfg) {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("desktop: unregister scheme: %w", err)
		}
		cfg = filepath.Join(home, ".config")
	}
	mime := "x-scheme-handler/" + strings.ToLower(r.Scheme)
	if err := dropMimeDefault(filepath.Join(cfg, "mimeapps.list"), mime, r.AppID+".desktop"); err != nil {
		return fmt.Errorf("desktop: unregister scheme: %w", err)
	}
	if err := updateDesktopDatabase(dir); err != nil {
		return fmt.Errorf("desktop: unregister scheme: %w", err)
	}
	return nil
}

// applicationsDir returns <DataHome>/applications.
func applicationsDir(r Registration) (string, error) {
	data := r.DataHome
	if data == "" {
		// The XDG Base Directory Specification ignores a relative XDG_DATA_HOME.
		data = os.Getenv("XDG_DATA_HOME")
		if !filepath.IsAbs(data) {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			data = filepath.Join(home, ".local", "share")
		}
	}
	return filepath.Join(data, "applications"), nil
}

// dropMimeDefault removes desktopFile from the values of key mime in the mimeapps.list at
// path, dropping lines left empty. A missing file is fine.
func dropMimeDefault(path, mime, desktopFile string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	changed := false
	for i, line := range lines {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "=")
		if !ok || strings.TrimSpace(k) != mime {
			continue
		}
		var keep []string
		for _, app := range strings.Split(v, ";") {
			if app = strings.TrimSpace(app); app != "" && app != desktopFile {
				keep = append(keep, app)
			}
		}
		changed = true
		if len(keep) == 0 {
			lines[i] = ""
		} else {
			lines[i] = mime + "=" + strings.Join(keep, ";") + ";\n"
		}
	}
	if !changed {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(filepath.Dir(path), filepath.Base(path), []byte(strings.Join(lines, "")))
	if err != nil {
		return err
	}
	if err = os.Chmod(tmp, st.Mode().Perm()); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// updateDesktopDatabase refreshes mimeinfo.cache in dir when update-desktop-database
// (package desktop-file-utils) is installed; without it, xdg-mime's mimeapps.list entry is
// what desktops read.
func updateDesktopDatabase(dir string) error {
	if _, err := exec.LookPath("update-desktop-database"); err != nil {
		return nil
	}
	return runTool("update-desktop-database", "-q", dir)
}

// runTool runs a program, with the combined output in its error.
func runTool(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%s is not installed (Debian and Ubuntu: apt-get install xdg-utils): %w", name, err)
	}
	if err != nil {
		if out = bytes.TrimSpace(out); len(out) > 0 {
			return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
		}
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
