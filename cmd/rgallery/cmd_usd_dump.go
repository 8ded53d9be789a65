package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/usd/dump"
)

// `rgallery usd dump` prints the canonical dump of a composed stage (package
// usd/dump), the form that the oracle tests compare with OpenUSD's.

var cmdUsdDump = &cobra.Command{
	Use:   "dump [--json] FILE",
	Short: "Print the composed stage in canonical form: prims, prim stacks, properties, values, composition errors",
	Long: `Print every composed prim (instance proxies, inactive and class prims
included) with its type, specifier, active flag, kind, API schemas, children,
variant selections and prim stack, every authored property with its values
at the default time and at each time sample, targets and connections, and
the composition errors by kind and site, as canonical JSON (compact with
--json, indented without).`,
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		s, err := openStage(args[0])
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		enc := json.NewEncoder(cmd.OutOrStdout())
		if !usdFlags.json {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(dump.Dump(s))
	},
}

func init() {
	cmdUsd.AddCommand(cmdUsdDump)
}
