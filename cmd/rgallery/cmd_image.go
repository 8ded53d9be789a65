package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/imageio/exr"
)

// The image commands inspect and convert images with rgallery's own
// decoders (OpenEXR for now): `info` tells what exrheader and
// `oiiotool --stats` tell, `convert` rewrites a file as uncompressed float
// so that any reader can compare its pixels with ours.

var imageFlags struct {
	json bool
}

var cmdImage = &cobra.Command{
	Use:   "image",
	Short: "Inspect and convert images (OpenEXR)",
}

var cmdImageInfo = &cobra.Command{
	Use:   "info FILE...",
	Short: "Print parts, windows, channels, compression, tiling, attributes and per-channel statistics",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		var infos []imageInfo
		failed := 0
		for _, path := range args {
			f, err := exr.Open(path)
			var unsup exr.UnsupportedError
			if errors.As(err, &unsup) {
				// Headers are still worth printing; pixels and statistics
				// are not there, and the error says why.
				if h, herr := exr.OpenWith(path, exr.Options{HeaderOnly: true}); herr == nil {
					in := describeImage(path, h)
					in.PixelError = err.Error()
					infos = append(infos, in)
					fmt.Fprintf(cmd.ErrOrStderr(), "rgallery image info: %v\n", err)
					failed++
					continue
				}
			}
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "rgallery image info: %v\n", err)
				failed++
				continue
			}
			infos = append(infos, describeImage(path, f))
		}
		out := cmd.OutOrStdout()
		if imageFlags.json {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			var v any = infos
			if len(args) == 1 && len(infos) == 1 {
				v = infos[0]
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
		} else {
			for _, in := range infos {
				printImageInfo(out, in)
			}
		}
		if failed > 0 {
			return &exitError{code: 2, err: fmt.Errorf("%d of %d files could not be read", failed, len(args))}
		}
		return nil
	},
}

var cmdImageConvert = &cobra.Command{
	Use:   "convert IN OUT.exr",
	Short: "Rewrite an image as an uncompressed FLOAT OpenEXR, every part and layer kept",
	Long: `convert reads IN with rgallery's decoder and writes OUT as an uncompressed
scanline OpenEXR: HALF channels become FLOAT (exactly), FLOAT stays FLOAT and
UINT stays UINT (a float would lose values above 2^24). Every part, layer,
channel, window, sampling and attribute is kept; of a mip/rip-mapped part
only the full-resolution level is written (the others are reported); deep
parts are flattened (samples composited front to back by Z).`,
	Args: cobra.ExactArgs(2),
	RunE: func(cmd *cobra.Command, args []string) error {
		f, err := exr.Open(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		for i, p := range f.Parts {
			if strings.HasPrefix(p.Type, "deep") {
				flat, err := p.Flatten()
				if err != nil {
					return &exitError{code: 2, err: err}
				}
				f.Parts[i] = flat
				fmt.Fprintf(cmd.ErrOrStderr(), "rgallery image convert: part %d (%q): deep, written flattened (samples composited front to back)\n", i, p.Name)
				continue
			}
			if len(p.Levels) > 1 {
				fmt.Fprintf(cmd.ErrOrStderr(), "rgallery image convert: part %d (%q): %d levels, writing the full-resolution level only\n", i, p.Name, len(p.Levels))
			}
		}
		return exr.WriteFileAtomic(args[1], func(w io.Writer) error { return exr.WriteFile(w, f) })
	},
}

type imageInfo struct {
	File string `json:"file"`
	// PixelError says why the pixels could not be read (the headers
	// could); statistics are then absent.
	PixelError string     `json:"pixelError,omitempty"`
	Parts      []partInfo `json:"parts"`
}

type partInfo struct {
	Name          string          `json:"name"`
	Type          string          `json:"type"`
	Width         int             `json:"width"`
	Height        int             `json:"height"`
	DataWindow    [4]int          `json:"dataWindow"`
	DisplayWindow [4]int          `json:"displayWindow"`
	Compression   string          `json:"compression"`
	LineOrder     string          `json:"lineOrder"`
	Tiles         *tileInfo       `json:"tiles,omitempty"`
	Levels        []levelInfo     `json:"levels,omitempty"`
	Layers        []string        `json:"layers"`
	Channels      []channelInfo   `json:"channels"`
	Attributes    []attributeInfo `json:"attributes"`
}

type tileInfo struct {
	XSize    int    `json:"xSize"`
	YSize    int    `json:"ySize"`
	Mode     string `json:"mode"`
	Rounding string `json:"rounding"`
}

type levelInfo struct {
	LX     int `json:"lx"`
	LY     int `json:"ly"`
	Width  int `json:"width"`
	Height int `json:"height"`
}

type channelInfo struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	XSampling int     `json:"xSampling"`
	YSampling int     `json:"ySampling"`
	PLinear   bool    `json:"pLinear,omitempty"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Avg       float64 `json:"avg"`
	NaN       int     `json:"nan"`
	Inf       int     `json:"inf"`
}

type attributeInfo struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

func box(b exr.Box2i) [4]int { return [4]int{b.XMin, b.YMin, b.XMax, b.YMax} }

func describeImage(path string, f *exr.File) imageInfo {
	in := imageInfo{File: path}
	for _, p := range f.Parts {
		pi := partInfo{
			Name: p.Name, Type: p.Type, Width: p.DataWindow.Width(), Height: p.DataWindow.Height(),
			DataWindow: box(p.DataWindow), DisplayWindow: box(p.DisplayWindow),
			Compression: p.Compression, LineOrder: p.LineOrder.String(),
		}
		if t := p.Tiles; t != nil {
			r := "ROUND_DOWN"
			if t.RoundUp {
				r = "ROUND_UP"
			}
			pi.Tiles = &tileInfo{XSize: t.XSize, YSize: t.YSize, Mode: t.Mode.String(), Rounding: r}
			for _, l := range p.Levels {
				pi.Levels = append(pi.Levels, levelInfo{l.LX, l.LY, l.Width, l.Height})
			}
		}
		for _, l := range p.Layers() {
			pi.Layers = append(pi.Layers, l.Name)
		}
		for _, c := range p.Channels {
			if c.Half == nil && c.Float == nil && c.Uint == nil {
				pi.Channels = append(pi.Channels, channelInfo{Name: c.Name, Type: c.Type.String(), XSampling: c.XSampling, YSampling: c.YSampling, PLinear: c.PLinear})
				continue
			}
			pi.Channels = append(pi.Channels, channelStats(c))
		}
		for _, a := range p.Attributes {
			pi.Attributes = append(pi.Attributes, attributeInfo{a.Name, a.Type, a.FormatValue()})
		}
		in.Parts = append(in.Parts, pi)
	}
	return in
}

// channelStats computes min, max and average over the finite samples and
// counts NaN and infinite ones, as oiiotool --stats does.
func channelStats(c *exr.Channel) channelInfo {
	ci := channelInfo{Name: c.Name, Type: c.Type.String(), XSampling: c.XSampling, YSampling: c.YSampling, PLinear: c.PLinear}
	n := c.Len() // deep parts: every sample
	lo, hi, sum, finite := math.Inf(1), math.Inf(-1), 0.0, 0
	for i := 0; i < n; i++ {
		v := float64(c.At(i))
		if c.Type == exr.Uint {
			v = float64(c.Uint[i])
		}
		switch {
		case math.IsNaN(v):
			ci.NaN++
			continue
		case math.IsInf(v, 0):
			ci.Inf++
			continue
		}
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
		finite++
	}
	if finite > 0 {
		ci.Min, ci.Max, ci.Avg = lo, hi, sum/float64(finite)
	}
	return ci
}

func printImageInfo(w io.Writer, in imageInfo) {
	fmt.Fprintf(w, "%s: %d part(s)\n", in.File, len(in.Parts))
	if in.PixelError != "" {
		fmt.Fprintf(w, "pixels not read: %s\n", in.PixelError)
	}
	for i, p := range in.Parts {
		fmt.Fprintf(w, "part %d %q: %s %dx%d, data window %v, display window %v, %s, %s\n",
			i, p.Name, p.Type, p.Width, p.Height, p.DataWindow, p.DisplayWindow, p.Compression, p.LineOrder)
		if p.Tiles != nil {
			fmt.Fprintf(w, "  tiles %dx%d %s %s, %d level(s)\n", p.Tiles.XSize, p.Tiles.YSize, p.Tiles.Mode, p.Tiles.Rounding, len(p.Levels))
		}
		fmt.Fprintf(w, "  layers: %s\n", fmt.Sprintf("%q", p.Layers))
		for _, c := range p.Channels {
			s := ""
			if c.XSampling != 1 || c.YSampling != 1 {
				s = fmt.Sprintf(" sampling %dx%d", c.XSampling, c.YSampling)
			}
			if in.PixelError != "" {
				fmt.Fprintf(w, "  %-20s %-5s%s\n", c.Name, c.Type, s)
				continue
			}
			fmt.Fprintf(w, "  %-20s %-5s%s  min %g max %g avg %g", c.Name, c.Type, s, c.Min, c.Max, c.Avg)
			if c.NaN+c.Inf > 0 {
				fmt.Fprintf(w, " nan %d inf %d", c.NaN, c.Inf)
			}
			fmt.Fprintln(w)
		}
		for _, a := range p.Attributes {
			fmt.Fprintf(w, "  %s (%s): %s\n", a.Name, a.Type, a.Value)
		}
	}
}

func init() {
	cmdImageInfo.Flags().BoolVar(&imageFlags.json, "json", false, "print JSON")
	cmdImage.AddCommand(cmdImageInfo, cmdImageConvert)
	cmdRoot.AddCommand(cmdImage)
}
