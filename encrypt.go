package krag

import "fmt"

// Encrypt seals plain under Options.Secret as Better Auth's symmetricEncrypt does
// (shared/spec/better-auth-plugins.md §1.4): XChaCha20-Poly1305 under SHA-256 of the secret,
// stored as lowercase hex. Plugins use it for secrets at rest (plugin/jwt's private keys), so
// values written by a Better Auth server with the same secret open here and the other way round.
func (a *Auth) Encrypt(plain string) (string, error) {
	s, err := a.sealKey.Seal(plain)
	if err != nil {
		return "", fmt.Errorf("krag: encrypt: %w", err)
	}
	return s, nil
}

// Decrypt opens a value Encrypt (or Better Auth's symmetricEncrypt with the same secret)
// produced. A value sealed under another secret, or not sealed at all, is an error.
func (a *Auth) Decrypt(sealed string) (string, error) {
	s, err := a.sealKey.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("krag: decrypt: %w", err)
	}
	return s, nil
}
