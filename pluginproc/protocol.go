package pluginproc

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ProtocolVersion is the newest version of the plugin protocol this package
// speaks.
const ProtocolVersion = 1

// supportedVersions are all the protocol versions offered in the handshake.
var supportedVersions = []int{ProtocolVersion}

// Method names of the protocol; see docs/plugin-protocol.md.
const (
	MethodHandshake        = "handshake"
	MethodRegister         = "register"
	MethodCreate           = "create"
	MethodPollFrequency    = "pollFrequency"
	MethodGetConfigOptions = "getConfigOptions"
	MethodStart            = "startBackgroundRender"
	MethodIsRenderFinished = "isRenderFinished"
	MethodMouseClick       = "mouseClick"
	MethodStop             = "stopBackgroundRender"

	// Notifications sent by the plugin.
	NotifyUpdateImagePath = "updateImagePath"
	NotifyUpdateMetadata  = "updateMetadata"
)

// JSON-RPC error codes. The negative range -32768..-32000 is reserved by
// JSON-RPC; the protocol uses -32000..-32002 for plugin-level errors.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodePluginError    = -32000 // the plugin's method raised or failed
	CodeLoadError      = -32001 // the plugin file could not be loaded
	CodeStateError     = -32002 // a method called out of order
)

// request is a JSON-RPC request sent to the plugin.
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// message is anything the plugin sends: a response (ID and Result or Error)
// or a notification (Method and Params, no ID).
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

// RPCError is an error answered by the plugin. For Python plugins Data
// carries the exception type and the formatted traceback.
type RPCError struct {
	Code    int        `json:"code"`
	Message string     `json:"message"`
	Data    *ErrorData `json:"data,omitempty"`
}

// ErrorData is the data member of a plugin error.
type ErrorData struct {
	Type      string `json:"type,omitempty"`
	Traceback string `json:"traceback,omitempty"`
}

// Error returns the message followed by the traceback, if any, so that the
// traceback reaches the snapshot's failure message.
func (e *RPCError) Error() string {
	if e.Data != nil && e.Data.Traceback != "" {
		return e.Message + "\n" + strings.TrimRight(e.Data.Traceback, "\n")
	}
	return e.Message
}

// DeadlineError reports a call the plugin did not answer in time.
type DeadlineError struct {
	Method   string
	Deadline time.Duration
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("%s did not answer within %v (deadline)", e.Method, e.Deadline)
}

// Parameters and results of the methods.

type handshakeParams struct {
	Versions []int `json:"versions"`
}

type handshakeResult struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	Runtime string `json:"runtime"`
	PID     int    `json:"pid"`
}

type registerResult struct {
	Renderers []struct {
		Label string `json:"label"`
		Class string `json:"class,omitempty"`
	} `json:"renderers"`
}

type createParams struct {
	Label  string `json:"label"`
	ItemID int64  `json:"item_id"`
	Source string `json:"source"`
}

type configParams struct {
	OldOptions map[string]any `json:"old_options"`
}

type startParams struct {
	USDFilePath string `json:"usd_filepath"`
	Options     any    `json:"options"`
}

type clickParams struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type imagePathParams struct {
	Path string `json:"path"`
}

type metadataParams struct {
	Metadata map[string]any `json:"metadata"`
}

// emptyParams is sent for methods without parameters, so that params is
// always an object as the protocol promises.
type emptyParams struct{}
