package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/render/usdscene"
)

// `rgallery usd scene` prints what the renderer takes from a stage (see
// usdscene.Facts): per gprim its world transform, bound material (purposes
// full and preview), computed visibility and purpose and extent, and per
// PointInstancer its instance transforms, at the render time (the stage's
// startTimeCode).

var usdSceneJSON bool

var cmdUsdScene = &cobra.Command{
	Use:   "scene FILE",
	Short: "Print what the renderer takes from a stage: transforms, materials, visibility, purpose, extents, instances",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		st, err := openStage(args[0])
		if err != nil {
			return err
		}
		f, err := usdscene.ComputeFacts(cmd.Context(), st)
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		w := cmd.OutOrStdout()
		if usdSceneJSON {
			data, err := f.JSON()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(w, "%s\n", data)
			return err
		}
		reportCompositionErrors(cmd.ErrOrStderr(), st)
		fmt.Fprintf(w, "time %g\n", f.Time)
		for _, g := range f.Gprims {
			fmt.Fprintf(w, "%s %s visibility=%s purpose=%s material=%s preview=%s\n", g.Type, g.Path, g.Visibility, g.Purpose,
				orNone(g.Material["full"].Material), orNone(g.Material["preview"].Material))
			fmt.Fprintf(w, "  world %v\n", [4][4]float64(g.World))
			if g.Extent != nil {
				fmt.Fprintf(w, "  extent %v\n", [2][3]float64(*g.Extent))
			}
		}
		for _, pi := range f.Instancers {
			fmt.Fprintf(w, "PointInstancer %s visibility=%s purpose=%s prototypes=%v instances=%d\n",
				pi.Path, pi.Visibility, pi.Purpose, pi.Prototypes, len(pi.Instances))
		}
		return nil
	},
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func init() {
	cmdUsdScene.Flags().BoolVar(&usdSceneJSON, "json", false, "print one line of canonical JSON")
	cmdUsd.AddCommand(cmdUsdScene)
}
