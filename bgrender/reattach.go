package bgrender

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/rgallery/rgallery/gallery"
)

// Reattach takes over the live renders that an earlier owner of the gallery
// left behind with a re-attach token (farm jobs): each is polled again by
// this manager. Renders that cannot be re-attached are marked interrupted.
// Call it once, after the plugins are registered and before MarkInterrupted
// is needed by anyone else.
func (m *Manager) Reattach(ctx context.Context) error {
	snaps, err := m.g.Detached(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range snaps {
		if err := m.reattach(ctx, s); err != nil {
			_ = m.g.SetState(ctx, s.ID, gallery.Interrupted, err.Error())
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) reattach(ctx context.Context, s gallery.Snapshot) error {
	p, err := m.Plugin(s.Renderer)
	if err != nil {
		return fmt.Errorf("re-attach snapshot %d: %w", s.ID, err)
	}
	logf, err := m.g.OpenLog(s)
	if err != nil {
		return err
	}
	h := &host{id: s.ID, source: s.Source, log: &syncWriter{w: logf}, logFile: logf}
	rend, err := p.Factory(h)
	if err != nil {
		logf.Close()
		return fmt.Errorf("re-attach snapshot %d: %w", s.ID, err)
	}
	d, ok := rend.(Detacher)
	if !ok {
		m.closeRenderer(rend, h)
		return fmt.Errorf("re-attach snapshot %d: renderer %q cannot re-attach", s.ID, p.Label)
	}
	var opts Options
	if b, err := json.Marshal(s.Options); err == nil {
		_ = json.Unmarshal(b, &opts)
	}
	if err := d.Reattach(ctx, s.AttachToken, opts); err != nil {
		m.closeRenderer(rend, h)
		return fmt.Errorf("re-attach snapshot %d: %w", s.ID, err)
	}
	if err := m.g.SetOwner(ctx, s.ID, os.Getpid(), s.AttachToken); err != nil {
		m.closeRenderer(rend, h)
		return err
	}
	fmt.Fprintf(h.log, "re-attached by process %d\n", os.Getpid())
	m.launch(s.ID, p, rend, h)
	return nil
}
