package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/usd"
)

// The usd commands inspect USD scenes with the pure-Go reader: the layer as
// written (cat), the composed stage (tree, flatten) and its file closure
// (deps).

var usdFlags struct {
	json       bool
	noPayloads bool
	all        bool
	composed   bool
	variants   []string
	fallbacks  []string
}

var cmdUsd = &cobra.Command{
	Use:   "usd",
	Short: "Inspect USD scenes (usda, usdc, usdz)",
}

func openStage(path string) (*usd.Stage, error) {
	var opts []usd.OpenOption
	if usdFlags.noPayloads {
		opts = append(opts, usd.WithoutPayloads())
	}
	fb, err := variantFallbacks(usdFlags.fallbacks)
	if err != nil {
		return nil, err
	}
	for _, v := range usdFlags.variants {
		set, sel, ok := strings.Cut(v, "=")
		if !ok {
			return nil, fmt.Errorf("--variant %q: want SET=SELECTION", v)
		}
		fb[set] = append(fb[set], sel)
	}
	if len(fb) > 0 {
		opts = append(opts, usd.WithVariantFallbacks(fb))
	}
	return usd.Open(path, opts...)
}

// variantFallbacks merges $RGALLERY_VARIANT_FALLBACKS with the
// --variant-fallback flags (SET=SEL[,SEL], a flag's list replacing the
// environment's for its set), as PcpCache variant fallbacks.
func variantFallbacks(flags []string) (map[string][]string, error) {
	fb, err := usd.ParseVariantFallbacks(os.Getenv(usd.VariantFallbacksEnv))
	if err != nil {
		return nil, fmt.Errorf("$%s: %w", usd.VariantFallbacksEnv, err)
	}
	for _, f := range flags {
		m, err := usd.ParseVariantFallbacks(f)
		if err != nil {
			return nil, fmt.Errorf("--variant-fallback: %w", err)
		}
		for set, sels := range m {
			fb[set] = sels
		}
	}
	return fb, nil
}

func reportCompositionErrors(w io.Writer, s *usd.Stage) {
	for _, err := range s.Errors() {
		fmt.Fprintf(w, "warning: %v\n", err)
	}
}

var cmdUsdCat = &cobra.Command{
	Use:   "cat FILE",
	Short: "Print a layer (any format) as usda; --composed prints the flattened stage",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		if usdFlags.composed {
			return flattenTo(cmd, args[0])
		}
		l, err := usd.ReadLayer(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		return usd.WriteUsda(cmd.OutOrStdout(), l)
	},
}

func flattenTo(cmd *cobra.Command, path string) error {
	s, err := openStage(path)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	reportCompositionErrors(cmd.ErrOrStderr(), s)
	return usd.WriteUsda(cmd.OutOrStdout(), s.Flatten())
}

var flattenFlags struct {
	format string
	out    string
}

var cmdUsdFlatten = &cobra.Command{
	Use:   "flatten FILE",
	Short: "Write the composed stage as one layer (usda to stdout, or --format usdc -o FILE)",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		format := flattenFlags.format
		if format == "" {
			format = "usda"
			if strings.HasSuffix(flattenFlags.out, ".usdc") {
				format = "usdc"
			}
		}
		if format != "usda" && format != "usdc" {
			return &exitError{code: 2, err: fmt.Errorf("--format %q: want usda or usdc", format)}
		}
		if format == "usda" && flattenFlags.out == "" {
			return flattenTo(cmd, args[0])
		}
		if flattenFlags.out == "" {
			return &exitError{code: 2, err: fmt.Errorf("--format usdc writes a binary file: give -o FILE")}
		}
		s, err := openStage(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		reportCompositionErrors(cmd.ErrOrStderr(), s)
		return writeFileAtomic(flattenFlags.out, func(w io.Writer) error {
			if format == "usdc" {
				return usd.WriteUsdc(w, s.Flatten())
			}
			return usd.WriteUsda(w, s.Flatten())
		})
	},
}

// writeFileAtomic writes path through a temporary file in the same
// directory, renamed into place only when write succeeded.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

type treeNode struct {
	Path     string      `json:"path"`
	Type     string      `json:"type,omitempty"`
	Spec     string      `json:"specifier"`
	Kind     string      `json:"kind,omitempty"`
	Active   bool        `json:"active"`
	Instance bool        `json:"instance,omitempty"`
	Variants any         `json:"variants,omitempty"`
	Children []*treeNode `json:"children,omitempty"`
}

var cmdUsdTree = &cobra.Command{
	Use:   "tree FILE",
	Short: "Print the composed prim tree with types",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStage(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		reportCompositionErrors(cmd.ErrOrStderr(), s)
		var build func(p *usd.Prim) *treeNode
		build = func(p *usd.Prim) *treeNode {
			n := &treeNode{Path: p.Path(), Type: p.TypeName(), Spec: p.Specifier(), Kind: p.Kind(),
				Active: p.IsActive(), Instance: p.IsInstance()}
			if vs := p.VariantSelections(); len(vs) > 0 {
				n.Variants = vs
			}
			for _, c := range p.Children() {
				if !usdFlags.all && (!c.IsActive() || !c.IsDefined() || c.IsAbstract()) {
					continue
				}
				n.Children = append(n.Children, build(c))
			}
			return n
		}
		root := build(s.PseudoRoot())
		out := cmd.OutOrStdout()
		if usdFlags.json {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(root.Children)
		}
		var print func(n *treeNode, depth int)
		print = func(n *treeNode, depth int) {
			name := n.Path[strings.LastIndexByte(n.Path, '/')+1:]
			line := strings.Repeat("  ", depth) + name
			if n.Type != "" {
				line += " (" + n.Type + ")"
			}
			var tags []string
			if n.Spec != "def" {
				tags = append(tags, n.Spec)
			}
			if n.Kind != "" {
				tags = append(tags, "kind="+n.Kind)
			}
			if !n.Active {
				tags = append(tags, "inactive")
			}
			if n.Instance {
				tags = append(tags, "instance")
			}
			if m, ok := n.Variants.(map[string]string); ok {
				for k, v := range m {
					tags = append(tags, "{"+k+"="+v+"}")
				}
			}
			if len(tags) > 0 {
				line += "  [" + strings.Join(tags, " ") + "]"
			}
			fmt.Fprintln(out, line)
			for _, c := range n.Children {
				print(c, depth+1)
			}
		}
		for _, c := range root.Children {
			print(c, 0)
		}
		return nil
	},
}

var cmdUsdDeps = &cobra.Command{
	Use:   "deps FILE",
	Short: "List the dependency closure: layers, references, payloads, textures (exit 3 if any is missing)",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStage(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		deps := s.DepReport()
		missing := 0
		type jdep struct {
			Kind     string `json:"kind"`
			Authored string `json:"authored,omitempty"`
			Resolved string `json:"resolved,omitempty"`
			From     string `json:"from,omitempty"`
			Missing  bool   `json:"missing,omitempty"`
			Error    string `json:"error,omitempty"`
		}
		var js []jdep
		out := cmd.OutOrStdout()
		for _, d := range deps {
			if d.Missing {
				missing++
			}
			j := jdep{Kind: d.Kind, Authored: d.Authored, Resolved: d.Resolved, From: d.From, Missing: d.Missing}
			if d.Err != nil {
				j.Error = d.Err.Error()
			}
			js = append(js, j)
			if usdFlags.json {
				continue
			}
			status := d.Resolved
			if d.Missing {
				status = "MISSING (" + d.Err.Error() + ")"
			}
			if d.Authored == "" {
				fmt.Fprintf(out, "%-9s %s\n", d.Kind, status)
			} else {
				fmt.Fprintf(out, "%-9s @%s@ -> %s\n", d.Kind, d.Authored, status)
			}
		}
		if usdFlags.json {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(js); err != nil {
				return err
			}
		}
		if missing > 0 {
			return &exitError{code: 3, err: fmt.Errorf("%d of %d dependencies missing", missing, len(deps))}
		}
		return nil
	},
}

var cmdUsdStack = &cobra.Command{
	Use:   "stack FILE PRIM [ATTRIBUTE]",
	Short: "Print the composed opinions of a prim (strongest first), or of one of its attributes with its value",
	Args:  cobra.RangeArgs(2, 3),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStage(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		reportCompositionErrors(cmd.ErrOrStderr(), s)
		p := s.PrimAtPath(args[1])
		if p == nil {
			return &exitError{code: 2, err: fmt.Errorf("%s: no prim %s", args[0], args[1])}
		}
		out := cmd.OutOrStdout()
		suffix := ""
		if len(args) == 3 {
			suffix = "." + args[2]
		}
		for _, n := range p.Index().Nodes {
			if !n.Contributes() {
				continue
			}
			for i, l := range n.LayerStack.Layers {
				if l.Spec(n.Path+suffix) == nil {
					continue
				}
				off := n.Offset.Compose(n.LayerStack.Offsets[i])
				line := fmt.Sprintf("%-10s %s  %s%s", n.Arc, l.Identifier, n.Path, suffix)
				if !off.IsIdentity() {
					line += fmt.Sprintf("  (offset %g, scale %g)", off.Offset, off.Scale)
				}
				fmt.Fprintln(out, line)
			}
		}
		if len(args) == 3 {
			if a := p.Attribute(args[2]); a != nil {
				v, ok := a.Get(usd.Default)
				fmt.Fprintf(out, "type %s, default %v (%v), %d time samples\n", a.TypeName(), v, ok, len(a.TimeSamples()))
			}
		}
		return nil
	},
}

func init() {
	pf := cmdUsd.PersistentFlags()
	pf.BoolVar(&usdFlags.json, "json", false, "print JSON (tree, deps)")
	pf.BoolVar(&usdFlags.noPayloads, "no-payloads", false, "do not load payloads")
	pf.StringArrayVar(&usdFlags.variants, "variant", nil, "variant fallback SET=SELECTION (repeatable)")
	pf.StringArrayVar(&usdFlags.fallbacks, "variant-fallback", nil, "variant fallbacks SET=SEL[,SEL...] tried in order when no selection is authored (repeatable; default $"+usd.VariantFallbacksEnv+", sets separated by ';')")
	cmdUsdTree.Flags().BoolVar(&usdFlags.all, "all", false, "include inactive, over-only and class prims")
	cmdUsdCat.Flags().BoolVar(&usdFlags.composed, "composed", false, "print the composed (flattened) stage")
	cmdUsdFlatten.Flags().StringVar(&flattenFlags.format, "format", "", "output format: usda or usdc (default: usdc when -o ends in .usdc, else usda)")
	cmdUsdFlatten.Flags().StringVarP(&flattenFlags.out, "output", "o", "", "write to FILE instead of stdout (required for usdc)")
	cmdUsd.AddCommand(cmdUsdCat, cmdUsdFlatten, cmdUsdTree, cmdUsdDeps, cmdUsdStack)
	cmdRoot.AddCommand(cmdUsd)
}
