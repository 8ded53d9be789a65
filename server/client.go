package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/rgallery/rgallery/gallery"
)

// Client calls the API of a gallery's owner, e.g. over its unix socket.
type Client struct {
	HTTP *http.Client
	Base string // e.g. "http://owner"
	// Key, for a team server's API, is that server's key (ServerKeyHeader).
	Key string
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Key != "" {
		req.Header.Set(ServerKeyHeader, c.Key)
		req.Header.Set(CSRFHeader, "1")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("reach the gallery owner: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read the gallery owner's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error    string           `json:"error"`
			Snapshot gallery.Snapshot `json:"snapshot"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			if e.Snapshot.ID != 0 && out != nil {
				if s, ok := out.(*gallery.Snapshot); ok {
					*s = e.Snapshot
				}
			}
			return &RemoteError{Status: resp.StatusCode, Msg: e.Error}
		}
		return &RemoteError{Status: resp.StatusCode, Msg: string(data)}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// RemoteError is an error the owner answered with.
type RemoteError struct {
	Status int
	Msg    string
}

func (e *RemoteError) Error() string { return e.Msg }

// Render asks the owner to start a render.
func (c *Client) Render(ctx context.Context, req RenderRequest) (gallery.Snapshot, error) {
	var s gallery.Snapshot
	err := c.do(ctx, http.MethodPost, "/api/renders", req, &s)
	return s, err
}

// Stop asks the owner to stop a render and returns the stopped snapshot.
func (c *Client) Stop(ctx context.Context, id int64) (gallery.Snapshot, error) {
	var s gallery.Snapshot
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/snapshots/%d/stop", id), nil, &s)
	return s, err
}

// Click forwards a normalized click to a live render.
func (c *Client) Click(ctx context.Context, id int64, x, y float64) error {
	return c.do(ctx, http.MethodPost, fmt.Sprintf("/api/snapshots/%d/click", id), ClickRequest{X: x, Y: y}, nil)
}

// Get reads one snapshot.
func (c *Client) Get(ctx context.Context, id int64) (gallery.Snapshot, error) {
	var s gallery.Snapshot
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/snapshots/%d", id), nil, &s)
	return s, err
}
