package provider

// ntopng_instance's HTTPS as a scanner sees it: tls_profile and tls_ciphers (--ciphers-list in
// ntopng.conf, OpenSSL's configuration given to ntopng by a drop-in of its unit), and
// tls_observed, what the server really negotiates, probed through the SSH connection.

import (
	"context"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/hostchange"
	"github.com/hardenops/terraform-provider-ntopng/internal/livecheck"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/tlsciphers"
	"github.com/hardenops/terraform-provider-ntopng/internal/transport"
	"github.com/hardenops/terraform-provider-ntopng/internal/unithardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

// tls_observed's status besides the deviations found.
const (
	tlsAsPromised = "as promised"
	tlsNotJudged  = "not judged: tls_profile = \"ntopng\" promises nothing"
)

var tlsObservedAttrTypes = map[string]attr.Type{
	"protocols":               types.ListType{ElemType: types.StringType},
	"without_forward_secrecy": types.StringType,
	"not_aead":                types.StringType,
	"chosen_cipher":           types.StringType,
	"server_order":            types.BoolType,
	"status":                  types.StringType,
}

type instanceTLSAttrs struct {
	TLSProfile  types.String `tfsdk:"tls_profile"`
	TLSCiphers  types.List   `tfsdk:"tls_ciphers"`
	TLSObserved types.Object `tfsdk:"tls_observed"`
}

var instanceTLS = instanceFeature{
	attributes: tlsAttributes,
	sameConfig: func(a, b instanceModel) bool {
		return a.TLSProfile.Equal(b.TLSProfile) && a.TLSCiphers.Equal(b.TLSCiphers)
	},
	desired: func(_ context.Context, m instanceModel, d *ntopnghardening.Desired) diag.Diagnostics {
		d.CiphersList = tlsCiphersList(m)
		return nil
	},
	validate: func(_ context.Context, _ tfsdk.Config, m instanceModel, _ ntopnghardening.Desired) diag.Diagnostics {
		return tlsValidate(m)
	},
	plan: func(_ context.Context, _ *instanceResource, _ resource.ModifyPlanRequest, plan *instanceModel, prior *instanceModel) diag.Diagnostics {
		return tlsPlanProblems(*plan, prior)
	},
	drift: func(_, prior instanceModel) []driftReason {
		if tlsDrifted(prior) {
			return []driftReason{{attr: "tls_observed", restart: true}}
		}
		return nil
	},
	readBacks: func(plan *instanceModel, prior *instanceModel) {
		plan.TLSObserved = types.ObjectUnknown(tlsObservedAttrTypes)
		if prior != nil {
			plan.TLSObserved = prior.TLSObserved
		}
	},
	unitProperties: unithardening.TLSProperties,
	refresh: func(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
		observed, diags := tlsObserved(ctx, rd.c, *m, rd.h)
		m.TLSObserved = observed
		return diags
	},
	change: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		files, diags := tlsChange(ctx, a.c, a.plan, a.systemd)
		a.files = append(a.files, files...)
		return diags
	},
	verify: func(a *instanceApply, next verifyFunc) verifyFunc {
		return tlsVerify(a.c, a.plan, a.eff, a.systemd, next)
	},
	restored: func(_ context.Context, _ *transport.Conn, st instanceModel) ([]string, error) {
		// OpenSSL's configuration and its drop-in have a marker of their absence before the first apply: they go.
		return unithardening.TLSPaths(st.Service.ValueString()), nil
	},
}

// tlsAttributes are the schema's TLS attributes.
func tlsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"tls_profile": schema.StringAttribute{
			MarkdownDescription: "How ntopng's HTTPS server negotiates, after Mozilla's server-side TLS guidelines (v5.7): " +
				"`intermediate` (default: TLS 1.2 and 1.3; on TLS 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305, " +
				"in the server's order; no client-initiated renegotiation), `modern` (TLS 1.3 only) or `ntopng` (ntopng's own " +
				"defaults, for old clients: a warning). Written as `--ciphers-list` in `config_path` (ntopng's only TLS option) " +
				"and, for what ntopng cannot set, as OpenSSL's configuration `" + unithardening.OpenSSLConfPath("<service>") +
				"` given to ntopng by the drop-in `/etc/systemd/system/<service>.d/" + unithardening.TLSDropInName + "` " +
				"(`OPENSSL_CONF`; both root's, 0644): the server's order, no renegotiation, the TLS 1.3 suites and groups, the " +
				"lowest protocol. Backed up, restarted, verified (the probes of `tls_observed` must show what the profile " +
				"promises, or the previous files are put back) and rolled back with the configuration file. Where systemd does " +
				"not run only `--ciphers-list` can be written: `intermediate` then leaves the order to the client (a warning), " +
				"and `modern` is an error naming the host (at plan time once a read found no systemd, else at apply). Read back for drift through `tls_observed`. A change restarts ntopng.",
			Optional: true, Computed: true,
			Default:    stringdefault.StaticString(string(tlsciphers.Intermediate)),
			Validators: []validator.String{stringvalidator.OneOf(tlsciphers.Profiles()...)},
		},
		"tls_ciphers": schema.ListAttribute{
			MarkdownDescription: "The TLS 1.2 ciphers of `tls_profile = \"intermediate\"` by hand, by OpenSSL name, in the " +
				"server's order, e.g. `[\"ECDHE-ECDSA-AES256-GCM-SHA384\", \"ECDHE-RSA-AES256-GCM-SHA384\"]`. Refused at plan " +
				"time, naming the cipher: a name OpenSSL does not know (it would skip it silently), OpenSSL's cipher-string " +
				"syntax (`HIGH`, `ECDHE+AESGCM`), a TLS 1.3 suite, and a cipher without forward secrecy or without AEAD. " +
				"Unset: Mozilla's intermediate list (" + strings.Join(tlsciphers.IntermediateCiphers, ", ") + ").",
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(validators.Func("Cipher Not Allowed",
				"an OpenSSL TLS 1.2 cipher name with forward secrecy and AEAD", func(s string) error {
					if why := tlsciphers.Check(s); why != "" {
						return fmt.Errorf("%q %s", s, why)
					}
					return nil
				}))},
		},
		"tls_observed": schema.SingleNestedAttribute{
			MarkdownDescription: "What ntopng's HTTPS server really negotiates, asked on every read: from the host, through the " +
				"SSH connection (one direct-tcpip channel per probe, no login, nothing run on the host), six client hellos to " +
				"the `https_listen` address (127.0.0.1 for every address), of which only the server's first answer is read: TLS " +
				"1.1; TLS 1.2 offering only ciphers without forward secrecy; only CBC ones; the profile's list in its order and " +
				"reversed; TLS 1.3. All of them bounded by `verify_timeout`. `protocols` (the versions that took a hello), " +
				"`without_forward_secrecy` and `not_aead` (what the server took from those hellos, null when it refused), " +
				"`chosen_cipher` and `server_order` (the same choice from the list in both orders), and `status`: `" +
				tlsAsPromised + "`, `not checked: ...` (HTTPS not served, or no TLS answer: not drift), `" + tlsNotJudged +
				"`, or what differs from the profile, the files included (drift: apply writes them again and restarts ntopng).",
			Computed: true,
			Attributes: map[string]schema.Attribute{
				"protocols":               schema.ListAttribute{ElementType: types.StringType, Computed: true},
				"without_forward_secrecy": schema.StringAttribute{Computed: true},
				"not_aead":                schema.StringAttribute{Computed: true},
				"chosen_cipher":           schema.StringAttribute{Computed: true},
				"server_order":            schema.BoolAttribute{Computed: true},
				"status":                  schema.StringAttribute{Computed: true},
			},
		},
	}
}

// tlsProfile is m's profile (intermediate while unknown).
func tlsProfile(m instanceModel) tlsciphers.Profile {
	if m.TLSProfile.IsNull() || m.TLSProfile.IsUnknown() {
		return tlsciphers.Intermediate
	}
	return tlsciphers.Profile(m.TLSProfile.ValueString())
}

// tlsCiphersList is Desired.CiphersList for m: the --ciphers-list line, "" to remove it.
func tlsCiphersList(m instanceModel) *string {
	if m.TLSProfile.IsUnknown() || m.TLSCiphers.IsUnknown() {
		return nil
	}
	v := tlsciphers.CiphersList(tlsProfile(m), listStrings(m.TLSCiphers))
	return &v
}

// tlsValidate: tls_ciphers belongs to the intermediate profile; ntopng's own is warned.
func tlsValidate(m instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	p := tlsProfile(m)
	if !m.TLSCiphers.IsNull() && p != tlsciphers.Intermediate {
		diags.AddAttributeError(tfpath.Root("tls_ciphers"), "tls_ciphers Needs the intermediate Profile",
			fmt.Sprintf("tls_ciphers is the TLS 1.2 list of tls_profile = \"intermediate\"; with %q it would not be used. "+
				"Remove tls_ciphers or set tls_profile = \"intermediate\".", p))
	}
	if p == tlsciphers.Ntopng && !m.TLSProfile.IsUnknown() {
		diags.AddAttributeWarning(tfpath.Root("tls_profile"), "ntopng's Own TLS Defaults",
			"tls_profile = \"ntopng\" leaves ntopng's defaults: on TLS 1.2 it accepts ciphers without forward secrecy (RSA key "+
				"exchange) and CBC ciphers, in the client's order, and on Debian 11 client-initiated renegotiation. Scanners "+
				"flag each of them. Keep it only for clients that cannot do ECDHE with AES-GCM or ChaCha20-Poly1305.")
	}
	return diags
}

// tlsPlanProblems: "modern" on a host where the last read found no systemd (the
// confinement not checked) fails at plan time already; on a new resource the apply says it.
func tlsPlanProblems(plan instanceModel, prior *instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if prior != nil && tlsProfile(plan) == tlsciphers.Modern && !plan.TLSProfile.IsUnknown() &&
		strings.HasPrefix(prior.ConfinementStatus.ValueString(), livecheck.NotChecked) {
		diags.AddAttributeError(tfpath.Root("tls_profile"), "TLS 1.3 Only Not Possible on This Host",
			fmt.Sprintf("The last read of %s found that ntopng's unit cannot be given a drop-in (%s), so OpenSSL's configuration, "+
				"which alone makes ntopng refuse TLS 1.2, cannot reach ntopng. Use tls_profile = \"intermediate\" there.",
				plan.Host.ValueString(), strings.TrimPrefix(prior.ConfinementStatus.ValueString(), livecheck.NotChecked)))
	}
	return diags
}

// tlsChange is the TLS part of an apply: OpenSSL's configuration and its drop-in, written (or
// removed with the ntopng profile) when systemd runs on the host (systemd: its unit reports
// the confinement's settings, confinementChange). Without systemd, modern cannot be had.
func tlsChange(ctx context.Context, c *transport.Conn, plan instanceModel, systemd bool) ([]hostchange.File, diag.Diagnostics) {
	var diags diag.Diagnostics
	p, unit := tlsProfile(plan), plan.Service.ValueString()
	if !systemd {
		switch p {
		case tlsciphers.Modern:
			diags.AddAttributeError(tfpath.Root("tls_profile"), "TLS 1.3 Only Not Possible on This Host",
				fmt.Sprintf("On %s systemd does not run, so OpenSSL's configuration, which alone makes ntopng refuse TLS 1.2, "+
					"cannot be given to ntopng (ntopng has no option for it). Nothing was written. Use tls_profile = "+
					"\"intermediate\" there.", plan.Host.ValueString()))
		case tlsciphers.Intermediate:
			diags.AddAttributeWarning(tfpath.Root("tls_profile"), "TLS Order and Renegotiation Not Set",
				fmt.Sprintf("On %s systemd does not run: only --ciphers-list was written (forward-secret AEAD ciphers). The "+
					"server's cipher order, refusing client-initiated renegotiation and the TLS 1.3 settings need OpenSSL's "+
					"configuration, which ntopng gets from its systemd unit; tls_observed does not count the order as drift there.",
					plan.Host.ValueString()))
		}
		return nil, diags
	}
	conf := unithardening.OpenSSLConfPath(unit)
	drop := hostchange.File{Path: unithardening.TLSDropInPath(unit), Remove: true}
	cnf := hostchange.File{Path: conf, Remove: true}
	if p != tlsciphers.Ntopng {
		drop = hostchange.File{Path: drop.Path, Data: unithardening.RenderTLSDropIn(conf), Mode: unithardening.OpenSSLConfMode}
		cnf = hostchange.File{Path: conf, Data: tlsciphers.OpenSSLConf(p), Mode: unithardening.OpenSSLConfMode}
		if err := hostchange.EnsureRootDir(ctx, c, path.Dir(drop.Path)); err != nil {
			diags.AddAttributeError(tfpath.Root("tls_profile"), "Cannot Create the Unit's Drop-in Folder", err.Error())
			return nil, diags
		}
	}
	return []hostchange.File{cnf, drop}, diags
}

// tlsEndpoint is where the host reaches ntopng's HTTPS server ("" when it serves none):
// 127.0.0.1 when it listens on every address or on loopback.
func tlsEndpoint(eff ntopngconf.Effective) string {
	if eff.HTTPSPort == 0 {
		return ""
	}
	host := eff.HTTPSBind
	if host == ntopngconf.BindAnyIPv4 || host == ntopngconf.BindLoopback || host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(eff.HTTPSPort))
}

// tlsTimeout is verify_timeout, the bound of all the probes of a read or a verification.
func tlsTimeout(m instanceModel) time.Duration {
	d, err := time.ParseDuration(m.VerifyTimeout.ValueString())
	if err != nil || d <= 0 {
		d = time.Minute
	}
	return d
}

// tlsFileProblems are the ways the host's files differ from what profile p writes: the
// --ciphers-list in effect and, where systemd runs (props known), OpenSSL's configuration, its
// drop-in and the unit's environment.
func tlsFileProblems(ctx context.Context, c *transport.Conn, m instanceModel, h *ntopnghardening.Host) ([]string, error) {
	var out []string
	p, unit := tlsProfile(m), m.Service.ValueString()
	want := tlsciphers.CiphersList(p, listStrings(m.TLSCiphers))
	if got, ok := h.Effective.Options["ciphers-list"]; got != want || ok != (want != "") {
		if !ok {
			got = "not set (ntopng's default)"
		}
		out = append(out, fmt.Sprintf("--ciphers-list is %s in ntopng's files, want %q", got, want))
	}
	if !unithardening.Known(h.UnitProperties) {
		return out, nil
	}
	conf := unithardening.OpenSSLConfPath(unit)
	files, err := c.ReadFiles(ctx, unithardening.TLSPaths(unit))
	if err != nil {
		return nil, err
	}
	for i, wantData := range [][]byte{unithardening.RenderTLSDropIn(conf), tlsciphers.OpenSSLConf(p)} {
		f := files[i]
		switch {
		case p == tlsciphers.Ntopng && f.Info.Exists:
			out = append(out, fmt.Sprintf("%s is still there", f.Path))
		case p == tlsciphers.Ntopng:
		case !f.Info.Exists:
			out = append(out, fmt.Sprintf("%s is missing", f.Path))
		case string(f.Data) != string(wantData) || f.Info.UID != 0 || f.Info.Mode.Perm() != unithardening.OpenSSLConfMode:
			out = append(out, fmt.Sprintf("%s was changed", f.Path))
		}
	}
	if p != tlsciphers.Ntopng && !unithardening.OpenSSLConfIn(h.UnitProperties, conf) {
		out = append(out, fmt.Sprintf("%s does not set OPENSSL_CONF=%s (Environment=%s)", unit, conf, h.UnitProperties["Environment"]))
	}
	return out, nil
}

// tlsObserved is tls_observed as the host has it: the files, then the probes.
func tlsObserved(ctx context.Context, c *transport.Conn, m instanceModel, h *ntopnghardening.Host) (types.Object, diag.Diagnostics) {
	var diags diag.Diagnostics
	problems, err := tlsFileProblems(ctx, c, m, h)
	if err != nil {
		diags.AddAttributeError(tfpath.Root("tls_observed"), "Cannot Read ntopng's TLS Configuration", err.Error())
		return types.ObjectNull(tlsObservedAttrTypes), diags
	}
	v := map[string]attr.Value{"protocols": types.ListNull(types.StringType), "without_forward_secrecy": types.StringNull(),
		"not_aead": types.StringNull(), "chosen_cipher": types.StringNull(), "server_order": types.BoolNull()}
	status := ""
	if addr := tlsEndpoint(h.Effective); addr == "" {
		status = livecheck.NotChecked + "ntopng serves no HTTPS (no --https-port)"
	} else {
		pctx, cancel := context.WithTimeout(ctx, tlsTimeout(m))
		o, why := livecheck.ProbeTLS(pctx, c, addr, tlsciphers.Ciphers(tlsProfile(m), listStrings(m.TLSCiphers)))
		cancel()
		if why != "" {
			status = livecheck.NotChecked + why
		} else {
			v["protocols"] = stringList(o.Protocols)
			v["without_forward_secrecy"], v["not_aead"], v["chosen_cipher"] = optString(o.NoForwardSecrecy), optString(o.NotAEAD), optString(o.Chosen)
			if o.ServerOrder != nil {
				v["server_order"] = types.BoolValue(*o.ServerOrder)
			}
			problems = append(problems, tlsProfile(m).Deviations(o, unithardening.Known(h.UnitProperties))...)
		}
	}
	switch {
	case len(problems) > 0:
		status = strings.Join(problems, "; ")
	case status != "":
	case tlsProfile(m) == tlsciphers.Ntopng:
		status = tlsNotJudged
	default:
		status = tlsAsPromised
	}
	v["status"] = types.StringValue(status)
	return types.ObjectValueMust(tlsObservedAttrTypes, v), diags
}

// tlsDrifted: the last read found the TLS configuration or the server not as the profile says.
func tlsDrifted(st instanceModel) bool {
	s, ok := st.TLSObserved.Attributes()["status"].(types.String)
	if !ok || s.IsNull() || s.IsUnknown() {
		return false
	}
	v := s.ValueString()
	return v != tlsAsPromised && v != tlsNotJudged && !strings.HasPrefix(v, livecheck.NotChecked)
}

// tlsVerify is verify followed, when HTTPS is served, by the probes: a restarted ntopng that
// does not negotiate as the profile promises fails the apply and the files are put back.
func tlsVerify(c *transport.Conn, plan instanceModel, eff ntopngconf.Effective, systemd bool, verify func(context.Context) error) func(context.Context) error {
	addr := tlsEndpoint(eff)
	if verify == nil || addr == "" || tlsProfile(plan) == tlsciphers.Ntopng {
		return verify
	}
	return func(ctx context.Context) error {
		if err := verify(ctx); err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, tlsTimeout(plan))
		defer cancel()
		o, why := livecheck.ProbeTLS(pctx, c, addr, tlsciphers.Ciphers(tlsProfile(plan), listStrings(plan.TLSCiphers)))
		if why != "" {
			return nil // no TLS answer (the certificate may still be missing): the read says so
		}
		if dev := tlsProfile(plan).Deviations(o, systemd); len(dev) > 0 {
			return fmt.Errorf("ntopng's HTTPS at %s does not negotiate as tls_profile = %q promises: %s", addr, tlsProfile(plan), strings.Join(dev, "; "))
		}
		return nil
	}
}
