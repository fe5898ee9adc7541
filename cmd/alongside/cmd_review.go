package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/alongside-qda/alongside/cmd/alongside/reviewpage"
)

// defaultReviewAddr is where the review page is served unless --addr says.
const defaultReviewAddr = "127.0.0.1:7424"

// cmdReview serves the review page until interrupted.
func cmdReview(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "review")
	project := fs.project()
	addr := fs.String("addr", defaultReviewAddr, "serve the page at `HOST:PORT`; loopback only unless --allow-remote")
	reviewer := fs.reviewer()
	allowRemote := fs.Bool("allow-remote", false, "allow an address other machines can reach (the page shows transcripts)")
	blind := fs.Bool("blind", false, "blind double coding: show only your own decisions, none of the other reviewers'")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if err := reviewpage.CheckAddr(*addr, *allowRemote); err != nil {
		return usageError{msg: "review: " + err.Error()}
	}
	r, done, err := openReviewer(*project, *reviewer)
	if err != nil {
		return err
	}
	defer done()

	srv := reviewpage.New(r)
	srv.Blind = *blind
	if *allowRemote {
		host, _, _ := net.SplitHostPort(*addr)
		srv.AllowRemote = true
		srv.Hosts = []string{host}
		if name, err := os.Hostname(); err == nil {
			srv.Hosts = append(srv.Hosts, name)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		host, port, _ := net.SplitHostPort(*addr)
		return fmt.Errorf("review: port %s on %s is in use (another alongside review, or another program); choose another port with --addr %s:PORT: %w", port, host, host, err)
	}
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	fmt.Fprintf(e.stderr, "alongside: reviewing as %s at http://%s/ (Ctrl-C to stop)\n", r.Name, ln.Addr())
	return srv.Serve(ctx, ln)
}
