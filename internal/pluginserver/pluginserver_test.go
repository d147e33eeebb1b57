package pluginserver

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestBothProvidersServeAlike: the ntopng provider's main and make bench's no-op provider's
// main each serve through Serve, with their own registry type, and neither touches the
// logging, the collector or the server itself: the floor runs as the provider does.
func TestBothProvidersServeAlike(t *testing.T) {
	for file, typ := range map[string]string{"../../main.go": "ntopng", "../bench/noopprovider/main.go": "noop"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var serves []*ast.CallExpr
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "pluginserver" && sel.Sel.Name == "Serve" {
						serves = append(serves, call)
					}
				}
			}
			return true
		})
		if len(serves) != 1 {
			t.Errorf("%s calls pluginserver.Serve %d times; want once", file, len(serves))
			continue
		}
		if lit, ok := serves[0].Args[0].(*ast.BasicLit); !ok || lit.Value != strconv.Quote(typ) {
			t.Errorf("%s: pluginserver.Serve's first argument is not %q", file, typ)
		}
		for _, banned := range []string{"procsettings", "providerserver", "tf6server", "SetMemoryLimit", "SetGCPercent", `"TF_LOG`} {
			if strings.Contains(string(src), banned) {
				t.Errorf("%s uses %s itself: only pluginserver may", file, banned)
			}
		}
	}
}
