// Package keyfile makes DKIM key pairs and writes them where signers pick
// them up: the private key (PKCS #8, mode 0600) under the key directory, its
// public half beside it for the configuration to name, and a .gitignore that
// keeps private keys out of the repository. Every write can be undone, so
// onboard and rotate leave no trace when a later step fails.
package keyfile

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailzone/mailzone/dkim"
)

// DefaultSelector is mz<yyyymm>, so the selector tells when its key was made.
func DefaultSelector(now time.Time) string { return "mz" + now.Format("200601") }

// New generates a DKIM private key (RSA 2048 or Ed25519) and returns it as a PKCS #8 PEM block.
func New(algorithm string) ([]byte, error) { return NewBits(algorithm, 2048) }

// NewBits is New with the size of an RSA key.
func NewBits(algorithm string, bits int) ([]byte, error) {
	if bits == 0 {
		bits = 2048
	}
	var key any
	switch algorithm {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, err
		}
		key = k
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		key = k
	default:
		return nil, fmt.Errorf("--dkim-algorithm must be rsa or ed25519, not %q", algorithm)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// File is a private key written for a selector, and its public half.
type File struct {
	// Path is the private key on disk, for the signer.
	Path string
	// Pub is the public key on disk, which the configuration names.
	Pub string
	// Ref is Pub as key_file names it: relative to the configuration's
	// directory when inside it.
	Ref     string
	created []string
}

// Dir is the directory private keys go to: keyDir, relative to the
// configuration's directory unless absolute.
func Dir(cfgDir, keyDir string) string {
	if filepath.IsAbs(keyDir) {
		return keyDir
	}
	return filepath.Join(cfgDir, keyDir)
}

// Absent checks, before anything is written, that the key files of a
// new selector do not exist yet.
func Absent(cfgDir, keyDir, domain, selector string) error {
	dir := filepath.Join(Dir(cfgDir, keyDir), domain)
	for _, f := range []string{selector + ".pem", selector + ".pub.pem"} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s already exists; choose another selector or move the old key away; nothing was changed", filepath.Join(dir, f))
		}
	}
	return nil
}

// Ignore is the .gitignore mailzone writes into a key directory it
// creates: private keys never reach the repository by a `git add keys`, and
// the public halves, which the configuration names, are committed.
const Ignore = `# Written by mailzone. Private DKIM keys stay out of git: move each to its
# signer. The public halves (*.pub.pem) are what mailzone.yaml names; commit them.
*.pem
!*.pub.pem
`

// Write writes a new private key to <keyDir>/<domain>/<selector>.pem with
// mode 0600, creating the directories with mode 0700. An existing file is never
// overwritten.
func Write(cfgDir, keyDir, domain, selector string, pemData []byte) (*File, error) {
	dir := keyDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cfgDir, dir)
	}
	kf := &File{Path: filepath.Join(dir, domain, selector+".pem")}
	for _, d := range []string{dir, filepath.Join(dir, domain)} {
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(d, 0o700); err != nil {
				kf.Remove()
				return nil, err
			}
			kf.created = append(kf.created, d)
		}
	}
	ignore := filepath.Join(dir, ".gitignore")
	if _, err := os.Lstat(ignore); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(ignore, []byte(Ignore), 0o644); err != nil {
			kf.Remove()
			return nil, err
		}
		kf.created = append(kf.created, ignore)
	}
	f, err := os.OpenFile(kf.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		kf.Remove()
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s already exists; choose another selector (--selector) or move the old key away", kf.Path)
		}
		return nil, err
	}
	_, err = f.Write(pemData)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(kf.Path)
		kf.Remove()
		return nil, err
	}
	kf.created = append(kf.created, kf.Path)
	// The configuration names the public half, so a zone repository holds no
	// private key: the private key stays with the signer, outside git.
	pubPEM, err := PublicPEM(pemData)
	if err == nil {
		kf.Pub = filepath.Join(dir, domain, selector+".pub.pem")
		err = os.WriteFile(kf.Pub, pubPEM, 0o644)
	}
	if err != nil {
		kf.Remove()
		return nil, err
	}
	kf.created = append(kf.created, kf.Pub)
	kf.Ref = kf.Pub
	if rel, err := filepath.Rel(cfgDir, kf.Pub); err == nil && !strings.HasPrefix(rel, "..") {
		kf.Ref = filepath.ToSlash(rel)
	}
	return kf, nil
}

// PublicPEM returns the PUBLIC KEY PEM of a PKCS#8 private key PEM.
func PublicPEM(privPEM []byte) ([]byte, error) {
	block, _ := pem.Decode(privPEM)
	if block == nil {
		return nil, errors.New("new key: no PEM block")
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("new key: %w", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, errors.New("new key: not a signing key")
	}
	der, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("new key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Remove deletes what Write created, newest first, when the edit that
// needed the key fails.
func (kf *File) Remove() {
	for i := len(kf.created) - 1; i >= 0; i-- {
		os.Remove(kf.created[i])
	}
	kf.created = nil
}

// Summary describes the public half of a key for output; the private
// key is never printed.
func Summary(pemData []byte) string {
	k, _ := dkim.LoadKeyFile(pemData)
	if k.Algorithm == "rsa" {
		return fmt.Sprintf("RSA %d-bit", k.Bits)
	}
	return "Ed25519"
}
