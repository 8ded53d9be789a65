package gallery

import (
	"fmt"
	"time"
)

// State is where a snapshot's render is in its life.
type State string

// The states of a snapshot. A render goes queued → rendering → one of the
// final states; interrupted marks a render whose owner process died.
const (
	Queued      State = "queued"
	Rendering   State = "rendering"
	Finished    State = "finished"
	Failed      State = "failed"
	Stopped     State = "stopped"
	Interrupted State = "interrupted"
)

// Final reports whether no more updates can come for a snapshot in state s.
func (s State) Final() bool {
	switch s {
	case Finished, Failed, Stopped, Interrupted:
		return true
	}
	return false
}

// Live reports whether a render is still in progress.
func (s State) Live() bool { return s == Queued || s == Rendering }

// Stats are the render stats of the seed that the viewer shows over the
// image. A nil field was never reported.
type Stats struct {
	TotalClockTime *float64 `json:"totalClockTime,omitempty"` // seconds
	PercentDone    *float64 `json:"percentDone,omitempty"`    // 0..100
	PeakMemory     *int64   `json:"peakMemory,omitempty"`     // bytes
}

// Snapshot is one entry of the gallery: a render and everything kept about it.
type Snapshot struct {
	ID       int64     `json:"id"`
	Label    string    `json:"label"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Finished time.Time `json:"finished,omitzero"`

	Renderer       string         `json:"renderer"`
	Options        map[string]any `json:"options"` // the seed's options dict: {"plugin":…, "viewport":…}
	Source         string         `json:"source"`  // the scene file as the user named it
	StoredScene    string         `json:"storedScene,omitempty"`
	Camera         string         `json:"camera,omitempty"`
	RenderSettings string         `json:"renderSettings,omitempty"`
	ResX           int            `json:"resX,omitempty"`
	ResY           int            `json:"resY,omitempty"`

	State State  `json:"state"`
	Error string `json:"error,omitempty"`

	Image        string `json:"image,omitempty"` // path of the gallery's copy, relative to the gallery dir
	ImageVersion int64  `json:"imageVersion"`    // bumped each time the image changes
	Thumb        string `json:"thumb,omitempty"` // relative to the gallery dir

	Stats    Stats          `json:"stats"`
	Metadata map[string]any `json:"metadata,omitempty"`

	Star   bool     `json:"star"`
	Colour string   `json:"colour,omitempty"`
	Tags   []string `json:"tags,omitempty"`
	Notes  string   `json:"notes,omitempty"`

	LogPath     string `json:"log,omitempty"` // relative to the gallery dir
	AttachToken string `json:"attachToken,omitempty"`
	OwnerPID    int    `json:"ownerPid,omitempty"`
	// CreatedBy is the user who started or imported it in a team gallery
	// ("" in a single-user one).
	CreatedBy string `json:"createdBy,omitempty"`
	// OwnerID is the server (servers.go) that runs the live render in a
	// team gallery ("" in a single-user one, whose owner is the process
	// holding the gallery's lock).
	OwnerID string `json:"ownerId,omitempty"`
}

// NotFoundError is returned for a snapshot id that the gallery does not have.
type NotFoundError struct{ ID int64 }

func (e *NotFoundError) Error() string { return fmt.Sprintf("snapshot %d not found", e.ID) }
