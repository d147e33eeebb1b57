package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
)

// hostileValues are what an attacker (or a bad day) puts into a string attribute: each must
// be refused at plan time naming the attribute, or be harmless data (written and read back
// unchanged, never run: TestAccHostileValuesNeverRun).
var hostileValues = map[string]string{
	"newline":       "a\nb",
	"carriage":      "a\rb",
	"NUL":           "a\x00b",
	"double quote":  `a"b`,
	"single quote":  "a'b",
	"command subst": "$(touch /tmp/tf-hostile-canary)",
	"backticks":     "`touch /tmp/tf-hostile-canary`",
	"semicolon":     "a; touch /tmp/tf-hostile-canary",
	"leading dash":  "-rf",
	"very long":     strings.Repeat("A", 70000),
	"non-UTF-8":     "a\xff\xfeb",
	"space":         "a b",
	"glob":          "*",
	"dot dot":       "../../etc/shadow",
}

// hostileDataSlots are the string slots that take hostile values as data, and why that is
// safe. Everything else must refuse every hostile value at plan time, naming the attribute.
var hostileDataSlots = map[string]string{
	"ntopng_instance.restart_command": "a shell command by design: the operator's own code, run as given (NUL refused)",
	"ntopng_redis.restart_command":    "a shell command by design: the operator's own code, run as given (NUL refused)",
	"ntopng_tls_cert.restart_command": "a shell command by design: the operator's own code, run as given (NUL refused)",
	"ntopng_redis.rename_commands[value]": "written quoted (redisconf.Quote) into redis.conf, read back unchanged: " +
		"TestAccHostileValuesNeverRun",
	"ntopng_redis.rename_commands[key]":    "only a very long command name passes: Redis refuses it at start and the apply rolls back",
	"ntopng_redis.bind[0]":                 "only \"*\" passes: Redis's own every-address form",
	"ntopng_instance.interfaces[0]":        "a line of ntopng.conf, never a command: TestAccHostileValuesNeverRun",
	"ntopng_instance.local_networks[0]":    "a line of ntopng.conf, never a command: TestAccHostileValuesNeverRun",
	"ntopng_instance.extra_options[value]": "a line of ntopng.conf, never a command: TestAccHostileValuesNeverRun",
	"ntopng_user.full_name":                "a Redis value written with the Redis protocol, never a command (ntopng_user's tests)",
	"ntopng_user.password":                 "only \"../../etc/shadow\"-like printable passwords pass; hashed, never written plainly",
	"ntopng_user.password_wo":              "only \"../../etc/shadow\"-like printable passwords pass; hashed, never written plainly",
}

// hostileBase is a configuration of each type that validates without error, so that any
// error seen comes from the hostile value.
func hostileBase(t *testing.T) map[string]map[string]tftypes.Value {
	cert, key := selfSignedPEM(t, "probe.test")
	return map[string]map[string]tftypes.Value{
		"ntopng_instance": {"https_listen": str("192.0.2.10:443")},
		"ntopng_redis":    {"requirepass": str(strings.Repeat("a1B2", 10))},
		"ntopng_tls_cert": {"certificate_pem": str(cert), "private_key_pem": str(key)},
		"ntopng_user":     {"username": str("analyst"), "group": str("unprivileged"), "password": str(strings.Repeat("a1B2", 5))},
	}
}

// stringPaths lists, for an object type, the paths of its string values: top-level strings,
// strings nested one object deep, and the elements of string lists and maps (one element).
type stringSlot struct {
	attr string // top-level attribute named in a diagnostic
	set  func(v tftypes.Value) tftypes.Value
}

func stringSlots(typ tftypes.Object) map[string]stringSlot {
	out := map[string]stringSlot{}
	for name, at := range typ.AttributeTypes {
		if at.Equal(tftypes.String) {
			out[name] = stringSlot{name, func(v tftypes.Value) tftypes.Value { return v }}
			continue
		}
		switch at := at.(type) {
		case tftypes.List:
			if at.ElementType.Equal(tftypes.String) {
				out[name+"[0]"] = stringSlot{name, func(v tftypes.Value) tftypes.Value { return tftypes.NewValue(at, []tftypes.Value{v}) }}
			}
		case tftypes.Map:
			if at.ElementType.Equal(tftypes.String) {
				out[name+"[value]"] = stringSlot{name, func(v tftypes.Value) tftypes.Value {
					return tftypes.NewValue(at, map[string]tftypes.Value{"FLUSHALL": v})
				}}
				if name == "extra_options" {
					out[name+"[value]"] = stringSlot{name, func(v tftypes.Value) tftypes.Value {
						return tftypes.NewValue(at, map[string]tftypes.Value{"instance-name": v})
					}}
				}
				out[name+"[key]"] = stringSlot{name, func(v tftypes.Value) tftypes.Value {
					s := ""
					_ = v.As(&s)
					return tftypes.NewValue(at, map[string]tftypes.Value{s: tftypes.NewValue(tftypes.String, "")})
				}}
			}
		case tftypes.Object:
			for sub, st := range at.AttributeTypes {
				if st.Equal(tftypes.String) {
					sub := sub
					out[name+"."+sub] = stringSlot{name, func(v tftypes.Value) tftypes.Value {
						vals := map[string]tftypes.Value{}
						for k, kt := range at.AttributeTypes {
							vals[k] = tftypes.NewValue(kt, nil)
						}
						vals[sub] = v
						return tftypes.NewValue(at, vals)
					}}
				}
			}
		}
	}
	return out
}

// validateAny validates a resource or data source configuration through the provider
// server.
func validateAny(t *testing.T, srv tfprotov6.ProviderServer, kind, typeName string, typ tftypes.Object, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	ctx := context.Background()
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	if _, ok := typ.AttributeTypes["host"]; ok {
		vals["host"] = str("127.0.0.1")
	}
	for k, v := range attrs {
		vals[k] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	if kind == "data" {
		resp, err := srv.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: typeName, Config: &dv})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	resp, err := srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: typeName, Config: &dv,
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

func TestHostileValuesMatrix(t *testing.T) {
	srv, err := protoV6Factories["ntopng"]()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	base := hostileBase(t)
	type target struct {
		kind, name string
		s          *tfprotov6.Schema
	}
	var targets []target
	for n, s := range sch.ResourceSchemas {
		targets = append(targets, target{"resource", n, s})
	}
	for n, s := range sch.DataSourceSchemas {
		targets = append(targets, target{"data", n, s})
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].name < targets[j].name })
	accepted, refusedN := 0, 0
	defer func() {
		t.Logf("%d hostile cases refused naming the attribute, %d accepted as data", refusedN, accepted)
	}()
	for _, tg := range targets {
		typ := tg.s.ValueType().(tftypes.Object)
		if d := validateAny(t, srv, tg.kind, tg.name, typ, base[tg.name]); hasError(d) {
			t.Fatalf("%s: the base configuration does not validate: %v", tg.name, diagText(d))
		}
		slots := stringSlots(typ)
		names := make([]string, 0, len(slots))
		for n := range slots {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, slot := range names {
			for vname, v := range hostileValues {
				attrs := map[string]tftypes.Value{}
				for k, bv := range base[tg.name] {
					// The write-only twin of a base attribute replaces it (the two conflict).
					if k != strings.TrimSuffix(slots[slot].attr, "_wo") {
						attrs[k] = bv
					}
				}
				attrs[slots[slot].attr] = slots[slot].set(str(v))
				diags := validateAny(t, srv, tg.kind, tg.name, typ, attrs)
				refused, named := false, false
				for _, d := range diags {
					if d.Severity != tfprotov6.DiagnosticSeverityError {
						continue
					}
					refused = true
					if d.Attribute != nil && len(d.Attribute.Steps()) > 0 {
						if a, ok := d.Attribute.Steps()[0].(tftypes.AttributeName); ok && string(a) == slots[slot].attr {
							named = true
						}
					}
				}
				switch {
				case refused && !named:
					t.Errorf("%s.%s = %s: refused without naming the attribute: %v", tg.name, slot, vname, diagText(diags))
				case !refused && hostileDataSlots[tg.name+"."+slot] == "":
					t.Errorf("%s.%s = %s: accepted at plan time, and no test proves it harmless (add it to hostileDataSlots "+
						"with TestAccHostileValuesNeverRun covering it, or refuse it)", tg.name, slot, vname)
				case !refused:
					accepted++
				default:
					refusedN++
				}
			}
		}
	}
}

func hasError(d []*tfprotov6.Diagnostic) bool {
	for _, x := range d {
		if x.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagText(d []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, x := range d {
		b.WriteString(x.Summary + ": " + x.Detail + "; ")
	}
	return b.String()
}

// TestAccHostileValuesNeverRun: the hostile values the plan accepts as data are written and
// read back unchanged (the plan after the apply is empty), and none is ever run: the canary
// file each would create does not exist afterwards, on the machine or in the host's namespace.
func TestAccHostileValuesNeverRun(t *testing.T) {
	canary := filepath.Join(t.TempDir(), "canary")
	touch := "touch " + canary
	f := startRedisFixture(t)
	redisCfg := f.config(fmt.Sprintf(`  rename_commands = {
    FLUSHALL = %s
    FLUSHDB  = %s
    KEYS     = %s
    DEBUG    = %s
    MONITOR  = %s
    SHUTDOWN = %s
    SAVE     = %s
  }`, hcl("$("+touch+")"), hcl("`"+touch+"`"), hcl("a; "+touch), hcl("-rf"), hcl("a\"b'c"), hcl("x\ny"), hcl("a b")))
	in := newInstanceFixture(t)
	in.writeCert(t)
	instCfg := in.config(fmt.Sprintf(`
  https_listen   = "127.0.0.1:%d"
  interfaces     = [%s, %s, "-rf"]
  extra_options  = { "instance-name" = %s }
`, in.httpsPort, hcl("$("+touch+")"), hcl("`"+touch+"`"), hcl("a; "+touch)))
	checkCanary := func(*terraform.State) error {
		if _, err := os.Stat(canary); err == nil {
			return fmt.Errorf("a hostile value was run: %s exists", canary)
		}
		if out := f.s.Exec(t, "test -e "+transport.Quote(canary)+" && echo RUN || true"); strings.Contains(out, "RUN") {
			return fmt.Errorf("a hostile value was run in the host's namespace: %s exists", canary)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: redisCfg, ConfigVariables: redisVars(redisPwA),
			Check: resource.ComposeAggregateTestCheckFunc(checkCanary, f.checkRedisLocked(t, redisPwA)),
		}},
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { preCheck(t) },
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: instCfg,
			Check: resource.ComposeAggregateTestCheckFunc(checkCanary, func(*terraform.State) error {
				if got := readFile(t, in.n.ConfPath); !strings.Contains(got, "--interface=$("+touch+")\n") {
					return fmt.Errorf("ntopng.conf lacks the hostile interface line as data:\n%s", got)
				}
				return nil
			}),
		}},
	})
}
