// Command progressive-png is a tiny stand-in for a progressive renderer: it
// writes a PNG after every pass and prints its progress, so that the Command
// renderer can be tried and tested without a real renderer installed.
//
// Pass k of n writes an image whose pixel (x, y) is
// R = 255*x/(w-1), G = 255*y/(h-1), B = 255*k/n, so that a test can check
// which pass it is looking at. By default each image is written to a
// temporary file and renamed into place, as a careful renderer does;
// -inplace rewrites the file in place in two halves with a pause between,
// as a careless one does, to test that half-written images are not shown.
//
// Flags for tests: -exit (exit code), -no-image, -ignore-term, -hold (keep
// running after the last pass), -alloc (MiB to allocate and touch), and
// click lines ("focus X Y") read from stdin are echoed as "clicked X Y".
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "output PNG path (required)")
	size := flag.String("size", "64x48", "image size WxH")
	passes := flag.Int("passes", 8, "number of passes")
	interval := flag.Duration("interval", 100*time.Millisecond, "time per pass")
	exitCode := flag.Int("exit", 0, "exit code after the last pass")
	noImage := flag.Bool("no-image", false, "never write an image")
	inplace := flag.Bool("inplace", false, "rewrite the image in place, in two halves")
	ignoreTerm := flag.Bool("ignore-term", false, "ignore SIGTERM")
	hold := flag.Duration("hold", 0, "keep running this long after the last pass")
	alloc := flag.Int("alloc", 0, "MiB of memory to allocate and touch")
	flag.Parse()

	if *out == "" && !*noImage {
		fail("-o is required")
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil || w < 2 || h < 2 {
		fail(fmt.Sprintf("-size %q: want WxH with both at least 2", *size))
	}
	if *passes < 1 {
		fail("-passes must be at least 1")
	}
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	ballast := make([]byte, *alloc<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	go echoClicks()

	for k := 1; k <= *passes; k++ {
		time.Sleep(*interval)
		if !*noImage {
			data := encode(w, h, k, *passes)
			var err error
			if *inplace {
				err = writeInPlace(*out, data, *interval/2)
			} else {
				err = writeAtomic(*out, data)
			}
			if err != nil {
				fail(err.Error())
			}
		}
		// One write per pass, as a renderer with buffered output makes
		// (os.Stdout is unbuffered).
		fmt.Printf("pass %d/%d\nprogress: %.1f%%\n", k, *passes, 100*float64(k)/float64(*passes))
	}
	time.Sleep(*hold)
	if len(ballast) > 0 && ballast[0] != 1 {
		fmt.Println("unreachable")
	}
	os.Exit(*exitCode)
}

func encode(w, h, k, n int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(255 * x / (w - 1)),
				G: uint8(255 * y / (h - 1)),
				B: uint8(255 * k / n),
				A: 255,
			})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		fail(err.Error())
	}
	return b.Bytes()
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".progressive-png-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeInPlace(path string, data []byte, pause time.Duration) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data[:len(data)/2]); err != nil {
		return err
	}
	time.Sleep(pause)
	_, err = f.Write(data[len(data)/2:])
	return err
}

func echoClicks() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "focus "); ok {
			fmt.Printf("clicked %s\n", rest)
		}
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "progressive-png:", msg)
	os.Exit(2)
}
