package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hardenops/terraform-provider-ntopng/internal/tfmodel"
)

// instanceSchema is ntopng_instance's schema.
func instanceSchema(t *testing.T) schema.Schema {
	t.Helper()
	var sr resource.SchemaResponse
	NewInstanceResource().Schema(context.Background(), resource.SchemaRequest{}, &sr)
	if sr.Diagnostics.HasError() {
		t.Fatal(sr.Diagnostics)
	}
	return sr.Schema
}

// instanceWith is an instanceModel with every attribute null but those of set.
func instanceWith(t *testing.T, s schema.Schema, set map[string]tftypes.Value) instanceModel {
	t.Helper()
	ctx := context.Background()
	obj := s.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, typ := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
		if v, ok := set[name]; ok {
			vals[name] = v
		}
	}
	var m instanceModel
	if d := tfmodel.Get(ctx, tfsdk.State{Schema: s, Raw: tftypes.NewValue(obj, vals)}, &m); d.HasError() {
		t.Fatal(d)
	}
	return m
}

// TestInstanceSameConfigCoversEveryAttribute: every attribute an operator sets is its
// feature's: a change of it alone makes that feature's sameConfig (and so configEqual) differ,
// unless the feature lists it as not written. A new attribute that neither compares nor lists
// fails here, naming it.
func TestInstanceSameConfigCoversEveryAttribute(t *testing.T) {
	s := instanceSchema(t)
	obj := s.Type().TerraformType(context.Background()).(tftypes.Object)
	base := instanceWith(t, s, nil)
	seen := map[string]bool{}
	for _, f := range instanceFeatures {
		for name, a := range f.attributes() {
			seen[name] = true
			if !a.IsOptional() && !a.IsRequired() {
				continue // computed only: read back, never written
			}
			changed := instanceWith(t, s, map[string]tftypes.Value{name: sampleValue(obj.AttributeTypes[name], name, 0, 0)})
			written := f.sameConfig != nil && !f.sameConfig(base, changed)
			switch {
			case slices.Contains(f.notWritten, name) && written:
				t.Errorf("%s is in notWritten but its feature's sameConfig compares it", name)
			case !slices.Contains(f.notWritten, name) && !written:
				t.Errorf("%s: its feature's sameConfig does not compare it and notWritten does not list it", name)
			case written && configEqual(base, changed):
				t.Errorf("%s: configEqual misses its feature's sameConfig", name)
			}
		}
	}
	for name := range s.Attributes {
		if !seen[name] {
			t.Errorf("%s is in the schema but no feature declares it", name)
		}
	}
}

// TestInstanceDriftReasons: one list of reasons decides both the plan (any reason: the
// read-backs are unknown) and the restart (a reason with restart). The files' owner and mode
// and the ZMQ key are repaired in place: no restart of their own.
func TestInstanceDriftReasons(t *testing.T) {
	s := instanceSchema(t)
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	clean := map[string]tftypes.Value{
		"config_owner": str("root:ntop"), "config_mode": str("0640"), "confinement_status": str(confinementInEffect),
		"redis_status": str("ok"), "user": str("ntopng"), "confinement": tftypes.NewValue(tftypes.Bool, true),
		"http_listen": str("disabled"), "https_listen": str("127.0.0.1:443"),
	}
	with := func(k string, v tftypes.Value) map[string]tftypes.Value {
		out := map[string]tftypes.Value{}
		for a, b := range clean {
			out[a] = b
		}
		out[k] = v
		return out
	}
	cases := []struct {
		name    string
		prior   map[string]tftypes.Value
		drift   bool
		restart bool
	}{
		{"clean", clean, false, false},
		{"config file ntopng's", with("config_owner", str("ntopng:ntop")), true, false},
		{"config file 0644", with("config_mode", str("0644")), true, false},
		{"zmq key 0644", with("zmq_private_key_mode", str("0644")), true, false},
		{"confinement off in the unit", with("confinement_status", str("NoNewPrivileges is no, want yes")), true, true},
		{"confinement not checked", with("confinement_status", str("not checked: no systemd")), false, false},
		{"redis refuses ntopng", with("redis_status", str("WRONGPASS invalid username-password pair")), true, true},
		{"listeners elsewhere", with("observed_listeners", stringListValue("0.0.0.0:3000")), true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prior := instanceWith(t, s, c.prior)
			plan := prior
			reasons := driftReasons(plan, prior)
			if got := len(reasons) > 0; got != c.drift {
				t.Fatalf("driftReasons = %v, want drift %v", reasons, c.drift)
			}
			if got := restartDrift(reasons); got != c.restart {
				t.Errorf("restartDrift(%v) = %v, want %v", reasons, got, c.restart)
			}
			planned := planReadBacks(plan, &prior)
			if got := planned.ConfinementStatus.IsUnknown(); got != c.drift {
				t.Errorf("confinement_status unknown in the plan = %v, want %v (drift %v)", got, c.drift, reasons)
			}
		})
	}
}

// TestInstanceImportStartsFromSchemaDefaults: an import's state holds each attribute's schema
// default (nothing restated by hand), the import's target and the unit it implies; the rest is
// null until Read; and the import is marked for the Read that follows.
func TestInstanceImportStartsFromSchemaDefaults(t *testing.T) {
	ctx := context.Background()
	s := instanceSchema(t)
	r := NewInstanceResource().(*instanceResource)
	resp := resource.ImportStateResponse{State: tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}}
	resp.Private = newOf(resp.Private)
	r.ImportState(ctx, resource.ImportStateRequest{ID: "192.0.2.7:2222:/etc/ntopng/ntopng-eth1.conf"}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if !wasImported(ctx, resp.Private) {
		t.Error("the import is not marked for the Read that follows")
	}
	var st instanceModel
	if d := tfmodel.Get(ctx, resp.State, &st); d.HasError() {
		t.Fatal(d)
	}
	want := map[string]attr.Value{
		"id": types.StringValue("192.0.2.7:2222:/etc/ntopng/ntopng-eth1.conf"), "host": types.StringValue("192.0.2.7"),
		"ssh_port": types.Int64Value(2222), "config_path": types.StringValue("/etc/ntopng/ntopng-eth1.conf"),
		"service": types.StringValue("ntopng@eth1.service"), "restart_command": types.StringValue("systemctl restart ntopng@eth1.service"),
	}
	var got map[string]tftypes.Value
	if err := resp.State.Raw.As(&got); err != nil {
		t.Fatal(err)
	}
	for name, a := range s.Attributes {
		w, d := attributeDefault(ctx, path.Root(name), a)
		if d.HasError() {
			t.Fatal(d)
		}
		if v, ok := want[name]; ok {
			w = v
		}
		wv := tftypes.NewValue(a.GetType().TerraformType(ctx), nil)
		if w != nil {
			wv, _ = w.ToTerraformValue(ctx)
		}
		if !got[name].Equal(wv) {
			t.Errorf("%s = %s after the import, want %s", name, got[name], wv)
		}
	}
	if st.VerifyTimeout.ValueString() != "60s" || st.TLSProfile.ValueString() != "intermediate" || !st.Confinement.ValueBool() ||
		st.RedisPasswordWOVersion.ValueInt64() != 1 || !st.RevokePackageGrants.Equal(grantsObject(revokeAll)) {
		t.Errorf("the import's defaults: verify_timeout %s, tls_profile %s, confinement %s, redis_password_wo_version %s, revoke_package_grants %s",
			st.VerifyTimeout, st.TLSProfile, st.Confinement, st.RedisPasswordWOVersion, st.RevokePackageGrants)
	}
}
