// Package websession keeps portal and back-office sessions in PostgreSQL behind the
// gorilla/sessions Store interface. The cookie carries only a random session id,
// signed with securecookie; the table stores that id's SHA-256 and the gob-encoded
// values, so any server process can serve any request and logout ends a session at once.
package websession

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// touchEvery limits how often a read refreshes last_seen_at, so browsing a page
// does not cost a write on every request.
const touchEvery = time.Minute

// Options configure a Store.
type Options struct {
	Surface     string        // "portal" or "backoffice": a session is valid on its own surface only
	CookieName  string        // name of the session cookie
	Secret      []byte        // signs the cookie; at least 32 bytes
	IdleTimeout time.Duration // a session unused this long ends
	MaxLifetime time.Duration // a session ends this long after login whatever its use
	Secure      bool          // set the Secure cookie flag (serve over HTTPS)
	Now         func() time.Time
}

// Store is a gorilla/sessions Store backed by the web_sessions table.
type Store struct {
	pool  *pgxpool.Pool
	opts  Options
	codec securecookie.Codec
}

// New returns a Store for one surface.
func New(pool *pgxpool.Pool, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	codec := securecookie.New(opts.Secret, nil)
	codec.MaxAge(int(opts.MaxLifetime.Seconds()))
	return &Store{pool: pool, opts: opts, codec: codec}
}

// CookieName returns the name of the session cookie.
func (s *Store) CookieName() string { return s.opts.CookieName }

// Get returns the request's session, cached for the rest of the request.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or returns a new empty one
// when there is no cookie or its session has ended.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = s.cookieOptions()
	sess.IsNew = true

	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := s.codec.Decode(name, c.Value, &id); err != nil {
		return sess, nil // tampered or expired cookie: start over
	}

	values, err := s.load(r.Context(), id)
	if errors.Is(err, pgx.ErrNoRows) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	sess.ID = id
	sess.Values = values
	sess.IsNew = false
	return sess, nil
}

func (s *Store) load(ctx context.Context, id string) (map[any]any, error) {
	now := s.opts.Now()
	var (
		data     []byte
		lastSeen time.Time
	)
	err := s.pool.QueryRow(ctx, `
		SELECT data, last_seen_at FROM web_sessions
		WHERE id_hash = $1 AND surface = $2 AND expires_at > $3 AND last_seen_at > $4`,
		hashID(id), s.opts.Surface, now, now.Add(-s.opts.IdleTimeout)).Scan(&data, &lastSeen)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("loading session: %w", err)
	}

	values := map[any]any{}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&values); err != nil {
		return nil, fmt.Errorf("decoding session: %w", err)
	}
	if now.Sub(lastSeen) > touchEvery {
		_, err := s.pool.Exec(ctx, `UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1`, hashID(id), now)
		if err != nil {
			return nil, fmt.Errorf("touching session: %w", err)
		}
	}
	return values, nil
}

// Save writes the session and its cookie. A session whose Options.MaxAge is
// negative is deleted, which is how logout works.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, hashID(sess.ID)); err != nil {
				return fmt.Errorf("deleting session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}

	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(sess.Values); err != nil {
		return fmt.Errorf("encoding session: %w", err)
	}
	staffID, _ := sess.Values["staff_id"].(int64)
	email, _ := sess.Values["contact_email"].(string)
	now := s.opts.Now()

	if sess.ID == "" {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return fmt.Errorf("generating session id: %w", err)
		}
		sess.ID = base64.RawURLEncoding.EncodeToString(raw)
		_, err := s.pool.Exec(ctx, `
			INSERT INTO web_sessions (id_hash, surface, staff_id, contact_email, data, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
			hashID(sess.ID), s.opts.Surface, nullInt(staffID), nullString(email), buf.Bytes(), now, now.Add(s.opts.MaxLifetime))
		if err != nil {
			return fmt.Errorf("inserting session: %w", err)
		}
	} else {
		_, err := s.pool.Exec(ctx, `
			UPDATE web_sessions SET data = $2, staff_id = $3, contact_email = $4, last_seen_at = $5 WHERE id_hash = $1`,
			hashID(sess.ID), buf.Bytes(), nullInt(staffID), nullString(email), now)
		if err != nil {
			return fmt.Errorf("updating session: %w", err)
		}
	}

	encoded, err := s.codec.Encode(sess.Name(), sess.ID)
	if err != nil {
		return fmt.Errorf("encoding session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Rotate ends the session's stored row and clears its values and id, so the next
// Save issues a fresh id. Call it at login to defeat session fixation.
func (s *Store) Rotate(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, hashID(sess.ID)); err != nil {
			return fmt.Errorf("rotating session: %w", err)
		}
	}
	sess.ID = ""
	sess.Values = map[any]any{}
	sess.Options = s.cookieOptions()
	return nil
}

// EndStaffSessions deletes every session of a staff member, for deactivation.
func EndStaffSessions(ctx context.Context, pool *pgxpool.Pool, staffID int64) error {
	if _, err := pool.Exec(ctx, `DELETE FROM web_sessions WHERE staff_id = $1`, staffID); err != nil {
		return fmt.Errorf("ending staff sessions: %w", err)
	}
	return nil
}

// DeleteExpired removes ended sessions and returns how many it removed.
func DeleteExpired(ctx context.Context, pool *pgxpool.Pool, now time.Time, idle time.Duration) (int64, error) {
	tag, err := pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-idle))
	if err != nil {
		return 0, fmt.Errorf("deleting expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

func (s *Store) cookieOptions() *sessions.Options {
	return &sessions.Options{
		Path:     "/" + s.opts.Surface,
		MaxAge:   int(s.opts.MaxLifetime.Seconds()),
		Secure:   s.opts.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

func hashID(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
}

func nullInt(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func nullString(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
