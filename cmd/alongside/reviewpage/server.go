package reviewpage

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alongside-qda/alongside/corpus/store"
	"github.com/alongside-qda/alongside/stages/decisions"
)

// TokenHeader carries the session token on every POST.
const TokenHeader = "X-Alongside-Token"

//go:embed page.html
var files embed.FS

var page = template.Must(template.ParseFS(files, "page.html"))

// Server serves the review page of one project.
type Server struct {
	// Reviewer records the decisions; its store stays open while the
	// server runs (SQLite in WAL mode: a running batch does not block the
	// page, and the page sees the batch's candidates once it commits).
	Reviewer *decisions.Reviewer
	// AllowRemote accepts requests that name any IP address or one of
	// Hosts, for a page served on a non-loopback address on purpose.
	AllowRemote bool
	Hosts       []string
	// Context is how many sentences around a passage the page shows.
	Context int
	// Limit is the number of candidates a page lists; a link goes on to
	// the next page.
	Limit int
	// Blind shows the reviewer's own decisions only (blind double coding):
	// statuses and progress as if no one else had decided anything.
	Blind bool

	token string
}

// New makes a server with a fresh session token: 32 random bytes that only
// the page served by this process knows.
func New(r *decisions.Reviewer) *Server {
	b := make([]byte, 32)
	rand.Read(b) // never fails: since Go 1.24 it crashes the program instead
	return &Server{Reviewer: r, Context: 2, Limit: 500, token: hex.EncodeToString(b)}
}

// Token is the session token the page sends in TokenHeader.
func (s *Server) Token() string { return s.token }

// Handler serves the page and the decisions endpoint.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.HandleFunc("POST /api/decisions", s.serveDecision)
	mux.HandleFunc("POST /api/undo", s.serveUndo)
	// CrossOriginProtection refuses POSTs that a browser marks as coming
	// from another origin (Sec-Fetch-Site, or Origin against Host).
	return s.guard(http.NewCrossOriginProtection().Handler(mux))
}

// guard refuses requests that name a host the server does not answer to
// (a DNS-rebinding page would name its own) and sets the headers every
// response carries: no caching of health data, no framing, no referrer.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if !s.hostAllowed(r.Host) {
			http.Error(w, "alongside review answers only on the address it printed", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || s.AllowRemote
	}
	if s.AllowRemote {
		for _, h := range s.Hosts {
			if strings.EqualFold(host, h) {
				return true
			}
		}
	}
	return false
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	data, err := s.view(r.Context(), f)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	data.Nonce = base64.StdEncoding.EncodeToString(nonce)
	data.Token = s.token
	w.Header().Set("Content-Security-Policy", fmt.Sprintf(
		"default-src 'none'; script-src 'nonce-%[1]s'; style-src 'nonce-%[1]s'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		data.Nonce))
	var b bytes.Buffer
	if err := page.Execute(&b, data); err != nil {
		http.Error(w, fmt.Sprintf("rendering the review page: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// decisionRequest is the body of POST /api/decisions.
type decisionRequest struct {
	Candidate string `json:"candidate"`
	Action    string `json:"action"`
	Value     string `json:"value"`
	Note      string `json:"note"`
}

// decisionResponse answers it: the candidate's status and notes now, the
// candidates a re-code created, whether anything was recorded (a verdict
// or note the reviewer has in force already is not recorded again), and
// the progress of the filters in the URL. An undo answers the same, with
// the action it took back.
type decisionResponse struct {
	Candidate string       `json:"candidate"`
	Status    string       `json:"status"`
	Notes     []store.Note `json:"notes"`
	Created   []string     `json:"created"`
	Recorded  bool         `json:"recorded"`
	Undone    string       `json:"undone,omitempty"`
	Progress  progress     `json:"progress"`
}

// readJSON checks a POST's token and content type and reads its body into v;
// it answers the request itself when it returns false.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(TokenHeader)), []byte(s.token)) != 1 {
		writeError(w, http.StatusForbidden, errors.New("missing or wrong session token: reload the page"))
		return false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, errors.New("send the decision as application/json"))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("reading the decision: %w", err))
		return false
	}
	return true
}

func (s *Server) serveDecision(w http.ResponseWriter, r *http.Request) {
	var req decisionRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ctx := r.Context()
	d := decisions.Decision{Candidate: req.Candidate, Action: req.Action, Value: req.Value, Note: req.Note}
	if err := s.Reviewer.Validate(ctx, []decisions.Decision{d}); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	resp := decisionResponse{Candidate: req.Candidate, Created: []string{}}
	same, err := s.Reviewer.Unchanged(ctx, d)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if !same {
		created, err := s.Reviewer.Record(ctx, []decisions.Decision{d})
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		resp.Recorded = true
		if created != nil {
			resp.Created = created
		}
	}
	s.answer(w, r, f, resp)
}

// undoRequest is the body of POST /api/undo.
type undoRequest struct {
	Candidate string `json:"candidate"`
}

// serveUndo takes back the reviewer's latest decision on a candidate.
func (s *Server) serveUndo(w http.ResponseWriter, r *http.Request) {
	var req undoRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	undone, err := s.Reviewer.Undo(r.Context(), req.Candidate)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	s.answer(w, r, f, decisionResponse{Candidate: req.Candidate, Created: []string{}, Recorded: true, Undone: undone.Action})
}

// answer completes a response with the candidate's status and notes and
// the progress of the filters, and sends it.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, f filter, resp decisionResponse) {
	ctx := r.Context()
	all, err := s.Reviewer.Store.Candidates(ctx, s.candidateFilter())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	for _, c := range all {
		if c.ID == resp.Candidate {
			resp.Status = c.Status
		}
	}
	notes, err := s.Reviewer.Store.Notes(ctx, []string{resp.Candidate})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	resp.Notes = notes[resp.Candidate]
	if resp.Notes == nil {
		resp.Notes = []store.Note{}
	}
	resp.Progress = progressOf(all, f)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// candidateFilter selects every candidate, as the reviewer may see them.
func (s *Server) candidateFilter() store.CandidateFilter {
	if s.Blind {
		return store.CandidateFilter{Reviewer: s.Reviewer.Name}
	}
	return store.CandidateFilter{}
}

func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// CheckAddr refuses a listening address whose host is not loopback
// ("localhost", 127.0.0.0/8, ::1) unless allowRemote: ":7424" and
// "0.0.0.0:7424" listen on every interface, and transcripts must not leave
// the analyst's machine by accident.
func CheckAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if allowRemote || IsLoopback(host) {
		return nil
	}
	return fmt.Errorf("address %q is reachable from other machines: use a loopback address such as 127.0.0.1:7424, or give --allow-remote if you mean it", addr)
}

// IsLoopback reports whether a host (no port) names this machine only.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves the page on ln until ctx is done, then shuts down,
// letting requests in flight finish (a decision being written is kept),
// and returns ctx.Err().
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving the review page: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		hs.Close()
	}
	<-errc // http.ErrServerClosed
	return ctx.Err()
}
