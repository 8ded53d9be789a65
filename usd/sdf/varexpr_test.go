package sdf

import (
	"reflect"
	"testing"
)

// TestVariableExpressionsEvaluateAsOpenUSD: SdfVariableExpression's
// grammar and functions (variableExpressionParser.cpp,
// variableExpressionImpl.cpp); each case's value, or its error, is
// usd-core 26.11's Sdf.VariableExpression(e).Evaluate(vars). mxpv/openusd's
// fixture expr_payload.usda has a payload `if(${USE_HIGH_RES}, "a", "b")`,
// which the subset read before (quoted strings and ${VAR}) refused.
func TestVariableExpressionsEvaluateAsOpenUSD(t *testing.T) {
	type vars = map[string]any
	const fails = "error"
	for _, c := range []struct {
		expr string
		vars vars
		want any
	}{
		{"`if(${A}, \"x.usda\", \"y.usda\")`", vars{"A": false}, "y.usda"},
		{"`if(${A}, \"x.usda\")`", vars{"A": true}, "x.usda"},
		{"`if(${A}, \"x.usda\")`", vars{"A": false}, nil},
		{"`if(${A}, \"x\", 1)`", vars{"A": true}, fails},
		{"`\"a_${B}_c\"`", vars{"B": "b"}, "a_b_c"},
		{"`\"a_${Z}_c\"`", vars{}, "a_${Z}_c"},
		{"`${B}`", vars{"B": "b"}, "b"},
		{"`${Z}`", vars{}, fails},
		{"`${N}`", vars{"N": "`\"n_${B}\"`", "B": "b"}, "n_b"},
		{"`${C1}`", vars{"C1": "`${C2}`", "C2": "`${C1}`"}, fails},
		{"`eq(${I}, 3)`", vars{"I": int64(3)}, true},
		{"`lt(\"a\", \"b\")`", vars{}, true},
		{"`and(true, ${A}, True)`", vars{"A": false}, false},
		{"`or(false, ${A})`", vars{"A": true}, true},
		{"`not(${A})`", vars{"A": true}, false},
		{"`contains([\"a\", \"b\"], \"b\")`", vars{}, true},
		{"`contains(\"abc\", \"bc\")`", vars{}, true},
		{"`contains([1, 2], 2)`", vars{}, true},
		{"`contains([true, true], false)`", vars{}, false},
		{"`contains([1, 2], \"a\")`", vars{}, fails},
		{"`contains([true], 1)`", vars{}, fails},
		{"`at([1, 2, 3], -1)`", vars{}, int64(3)},
		{"`at(\"abc\", 5)`", vars{}, fails},
		{"`len([])`", vars{}, int64(0)},
		{"`len(\"abcd\")`", vars{}, int64(4)},
		{"`defined(\"A\", \"B\")`", vars{"A": int64(1)}, false},
		{"`defined(\"A\")`", vars{"A": int64(1)}, true},
		{"`[1, 2]`", vars{}, []int64{1, 2}},
		{"`[1, \"a\"]`", vars{}, fails},
		{"`None`", vars{}, nil},
		{"`\"a\\tb\\$c\"`", vars{}, "a\tb$c"},
		{"`eq(None, None)`", vars{}, true},
		{"`lt(None, None)`", vars{}, fails},
		{"`eq(1, \"a\")`", vars{}, fails},
		{"` \"a\"`", vars{}, fails},
		{"`if( true , \"a\" , \"b\" )`", vars{}, "a"},
		{"`foo(1)`", vars{}, fails},
		{"`\"${I}\"`", vars{"I": int64(3)}, fails},
		{"`-5`", vars{}, int64(-5)},
		{"`99999999999999999999`", vars{}, fails},
	} {
		v, err := EvalVariableExpression(c.expr, c.vars)
		if c.want == fails {
			if err == nil {
				t.Errorf("%s: %#v; usd-core 26.11 reports an error", c.expr, v)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(v, c.want) {
			t.Errorf("%s: %#v, %v; usd-core 26.11 gives %#v", c.expr, v, err, c.want)
		}
	}
}

// FuzzVariableExpression: any text evaluates to a value or an error,
// without a panic or a hang (variables that refer to each other included).
func FuzzVariableExpression(f *testing.F) {
	for _, s := range []string{"`if(${A}, \"x\", \"y\")`", "`[1, 2]`", "`at(\"abc\", -1)`", "`\"a_${B}\"`", "`defined(\"A\")`", "`${C}`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vars := map[string]any{"A": true, "B": "b", "C": "`${D}`", "D": "`${C}`", "L": []string{"x"}, "I": int64(2)}
		_, _ = EvalVariableExpression(s, vars)
	})
}
