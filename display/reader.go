package display

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// DefaultMaxPacket is the largest packet a Reader accepts unless told
// otherwise: a whole 4K RGBA float image sent untiled (tevclient's
// perform_tiling=False) is 133 MB.
const DefaultMaxPacket = 256 << 20

// Reader reads packets from a stream, such as a client connection.
type Reader struct {
	r io.Reader
	// MaxPacket bounds a packet's length field; a longer packet is refused
	// before anything is allocated for it.
	MaxPacket int
	buf       []byte
	n         int   // packets read
	off       int64 // stream offset of the next packet
}

// NewReader returns a Reader of r with DefaultMaxPacket.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, MaxPacket: DefaultMaxPacket}
}

// StreamError is a failure to read or decode one packet of a stream,
// with the packet's number (from 1) and its offset in the stream.
type StreamError struct {
	Packet int
	Offset int64
	Err    error
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("packet %d at stream offset %d: %v", e.Packet, e.Offset, e.Err)
}

func (e *StreamError) Unwrap() error { return e.Err }

// Next reads and decodes the next packet. At the end of the stream between
// two packets it returns io.EOF; any other error is a *StreamError (a
// stream cut inside a packet wraps io.ErrUnexpectedEOF). The buffer holding
// the packet is reused, but the packet does not alias it.
func (r *Reader) Next() (Packet, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r.r, lb[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, r.fail(err)
	}
	length := int64(binary.LittleEndian.Uint32(lb[:]))
	switch {
	case length < 5:
		return nil, r.fail(&FormatError{"packet", 0, fmt.Sprintf("length field %d, less than the 5 bytes of length and type", length)})
	case length > int64(r.MaxPacket):
		return nil, r.fail(&FormatError{"packet", 0, fmt.Sprintf("length field %d exceeds the limit of %d bytes", length, r.MaxPacket)})
	}
	// The buffer grows with the bytes that arrive, not with what the
	// length field claims: a client that announces a large packet and
	// sends nothing costs nothing.
	b := append(r.buf[:0], lb[:]...)
	for int64(len(b)) < length {
		chunk := int(min(length-int64(len(b)), 1<<20))
		b = slices.Grow(b, chunk)
		n, err := io.ReadFull(r.r, b[len(b):len(b)+chunk])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			r.buf = b[:0]
			return nil, r.fail(err)
		}
	}
	r.buf = b[:0]
	p, err := Decode(b)
	if err != nil {
		return nil, r.fail(err)
	}
	r.n++
	r.off += length
	return p, nil
}

func (r *Reader) fail(err error) error {
	return &StreamError{Packet: r.n + 1, Offset: r.off, Err: err}
}

// IsFormatError reports whether err is a malformed or oversized packet, as
// opposed to a connection that failed or ended.
func IsFormatError(err error) bool {
	var fe *FormatError
	return errors.As(err, &fe)
}
