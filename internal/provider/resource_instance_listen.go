package provider

// ntopng_instance's web listeners: http_listen, https_listen, the certificate HTTPS needs, and
// the addresses the running ntopng really listens on (observed_listeners), verified after a
// restart.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
)

const certFileSuffix = ntopnghardening.CertFileSuffix

// certPathRE: ntopng reads its certificate only from <httpdocs>/ssl/ntopng-cert.pem.
var certPathRE = regexp.MustCompile(`^/.*/ssl/ntopng-cert\.pem$`)

type instanceListenAttrs struct {
	HTTPListen        types.String `tfsdk:"http_listen"`
	HTTPSListen       types.String `tfsdk:"https_listen"`
	CertPath          types.String `tfsdk:"cert_path"`
	VerifyListeners   types.Bool   `tfsdk:"verify_listeners"`
	VerifyTimeout     types.String `tfsdk:"verify_timeout"`
	ObservedListeners types.List   `tfsdk:"observed_listeners"`
}

var instanceListen = instanceFeature{
	attributes: listenAttributes,
	// cert_path is not rendered (checked to exist); verify_* say how an apply checks.
	notWritten: []string{"cert_path", "verify_listeners", "verify_timeout"},
	sameConfig: func(a, b instanceModel) bool {
		return a.HTTPListen.Equal(b.HTTPListen) && a.HTTPSListen.Equal(b.HTTPSListen)
	},
	desired: func(_ context.Context, m instanceModel, d *ntopnghardening.Desired) diag.Diagnostics {
		d.HTTPListen = ntopngconf.ListenDisabled
		if !m.HTTPListen.IsNull() {
			d.HTTPListen = m.HTTPListen.ValueString()
		}
		d.HTTPSListen = m.HTTPSListen.ValueString()
		return nil
	},
	validate: listenValidate,
	plan: func(ctx context.Context, r *instanceResource, _ resource.ModifyPlanRequest, plan *instanceModel, _ *instanceModel) diag.Diagnostics {
		var diags diag.Diagnostics
		if !plan.Host.IsUnknown() && !plan.HTTPSListen.IsUnknown() {
			for _, w := range r.data.endpoints.noteHTTPSListen(plan.Host.ValueString(), plan.HTTPSListen.ValueString()) {
				diags.AddAttributeWarning(tfpath.Root("https_listen"), "verify_endpoint Matches No https_listen", w)
			}
		}
		return append(diags, r.certWarning(ctx, *plan)...)
	},
	drift: func(_, prior instanceModel) []driftReason {
		// ntopnghardening.ListenersDrifted, once the listeners were read.
		if prior.ObservedListeners.IsNull() || prior.ObservedListeners.IsUnknown() {
			return nil // never read
		}
		if ntopnghardening.ListenersDrifted(listStrings(prior.ObservedListeners), prior.HTTPListen.ValueString(), prior.HTTPSListen.ValueString()) {
			return []driftReason{{attr: "observed_listeners", restart: true}}
		}
		return nil
	},
	readBacks: func(plan *instanceModel, prior *instanceModel) {
		plan.ObservedListeners = types.ListUnknown(types.StringType)
		if prior != nil {
			plan.ObservedListeners = prior.ObservedListeners
		}
	},
	refresh: listenRefresh,
	check: func(ctx context.Context, a *instanceApply) diag.Diagnostics {
		// Only apply needs the certificate's presence (Read has no use for it).
		var diags diag.Diagnostics
		cert, err := a.c.Stat(ctx, a.plan.CertPath.ValueString())
		if err != nil {
			diags.AddAttributeError(tfpath.Root("cert_path"), "Cannot Read ntopng Configuration", fmt.Sprintf("checking %s: %v", a.plan.CertPath.ValueString(), err))
			return diags
		}
		if a.plan.HTTPListen.ValueString() == ntopngconf.ListenDisabled && !cert.Exists {
			diags.AddAttributeError(tfpath.Root("cert_path"), "HTTPS Certificate Missing",
				fmt.Sprintf("%s does not exist on %s. With http_listen = \"disabled\" and no certificate ntopng falls back to plain HTTP "+
					"on an ephemeral port on every address, so nothing was written. Push the certificate with ntopng_tls_cert "+
					"(cert_path = ntopng_tls_cert.<name>.path) or keep an HTTP listener.", a.plan.CertPath.ValueString(), a.plan.Host.ValueString()))
		}
		a.certExists = cert.Exists
		return diags
	},
	verify: func(a *instanceApply, next verifyFunc) verifyFunc {
		if !a.plan.VerifyListeners.ValueBool() {
			return next
		}
		timeout, _ := time.ParseDuration(a.plan.VerifyTimeout.ValueString())
		return a.h.ListenerCheck(a.c, a.desired, a.eff, a.plan.ConfigPath.ValueString(), a.plan.Service.ValueString(), a.certExists, timeout)
	},
}

// listenValidate: one web server at least; a warning for each on every address.
func listenValidate(_ context.Context, _ tfsdk.Config, _ instanceModel, d ntopnghardening.Desired) diag.Diagnostics {
	var diags diag.Diagnostics
	http, https := parsedListen(d.HTTPListen), parsedListen(d.HTTPSListen)
	if http != nil && http.Disabled && https != nil && https.Disabled {
		diags.AddAttributeError(tfpath.Root("https_listen"), "No Web Server Left",
			"http_listen and https_listen are both \"disabled\": ntopng would then fall back to plain HTTP on an ephemeral "+
				"port on every IPv4 address. Set https_listen to an address, e.g. \"192.0.2.10:443\".")
	}
	for _, l := range []struct {
		attr   string
		listen *ntopngconf.Listen
	}{{"http_listen", http}, {"https_listen", https}} {
		if l.listen != nil && l.listen.AllAddresses() {
			diags.AddAttributeWarning(tfpath.Root(l.attr), "Web Server on Every Address",
				fmt.Sprintf("%s = %q listens on every address of the host. Bind it to the management address, e.g. \"192.0.2.10:%d\".",
					l.attr, l.listen.String(), l.listen.Port))
		}
	}
	return diags
}

// listenRefresh: the listeners as the files say them (an import adopts the files' spelling),
// the certificate of the files' docs folder on an import, and the listeners of the running ntopng.
func listenRefresh(_ context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	h, eff := rd.h, rd.h.Effective
	http, https := m.HTTPListen, m.HTTPSListen
	if rd.imported { // the import's defaults are not the operator's spelling
		http, https = types.StringNull(), types.StringNull()
	}
	m.HTTPListen = sameListen(http, eff.HTTPListen(), eff.Options["http-port"])
	m.HTTPSListen = sameListen(https, eff.HTTPSListen(), eff.Options["https-port"])
	if rd.imported {
		docs := eff.DocsDir
		if docs == "" {
			docs = ntopngconf.DefaultDocsDir
		}
		m.CertPath = types.StringValue(strings.TrimSuffix(docs, "/") + certFileSuffix)
	}
	m.ObservedListeners = stringList(h.ObservedListeners())
	if h.NotChecked != "" {
		m.ObservedListeners = types.ListNull(types.StringType)
		diags.Append(notCheckedWarning(*m, h.NotChecked)...)
	}
	return diags
}

// notCheckedWarning: ntopng's processes could not be found (no systemd, no usable PID file).
// The read goes on with what could be read; observed_listeners stays null.
func notCheckedWarning(m instanceModel, why string) diag.Diagnostics {
	var diags diag.Diagnostics
	verify := "verify_listeners = false is set, so apply does not verify them either."
	if m.VerifyListeners.ValueBool() {
		verify = "With verify_listeners = true an apply that restarts ntopng fails and puts the previous file back until they " +
			"can be checked: set verify_listeners = false on this host, or give ntopng a PID file."
	}
	diags.AddAttributeWarning(tfpath.Root("observed_listeners"), "ntopng's Listeners Not Checked",
		fmt.Sprintf("On %s, %s. The files, users and Redis were read; observed_listeners stays null (not drift). Where systemd "+
			"does not run, ntopng is found through the PID file its configuration names (--pid, e.g. extra_options "+
			"{ pid = \"/run/ntopng.pid\" }): it must be a regular file naming a process of the ntopng program, owned by "+
			"root, started with %s and running as root or ntopng's user. %s Set restart_command to the host's way "+
			"(e.g. \"/etc/init.d/ntopng restart\").",
			m.Host.ValueString(), why, m.ConfigPath.ValueString(), verify))
	return diags
}

// sameListen keeps the operator's spelling, or else the file's, when it means the same
// listener as what ntopng uses ("127.0.0.1:443" and ":443" both bind 127.0.0.1), so that
// only real drift shows.
func sameListen(prior types.String, effective, raw string) types.String {
	if !prior.IsNull() && !prior.IsUnknown() && ntopnghardening.SameListener(prior.ValueString(), effective) {
		return prior
	}
	if _, err := ntopngconf.ParseListen(raw); err == nil && ntopnghardening.SameListener(raw, effective) {
		return types.StringValue(raw)
	}
	return types.StringValue(effective)
}

// parsedListen is s parsed, or nil when it is not known (or not valid: the attribute's
// validator reports that).
func parsedListen(s string) *ntopngconf.Listen {
	l, err := ntopngconf.ParseListen(s)
	if err != nil {
		return nil
	}
	return &l
}

// certWarning: the certificate must exist when HTTP is disabled: a warning at plan time, an
// error at apply.
func (r *instanceResource) certWarning(ctx context.Context, plan instanceModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if plan.HTTPListen.ValueString() == ntopngconf.ListenDisabled && !plan.CertPath.IsUnknown() && !plan.Host.IsUnknown() && !r.data.unknown {
		if c, err := r.data.conn(ctx, plan.Host.ValueString(), plan.SSHPort); err == nil {
			if fi, err := c.Stat(ctx, plan.CertPath.ValueString()); err == nil && !fi.Exists {
				diags.AddAttributeWarning(tfpath.Root("cert_path"), "HTTPS Certificate Missing",
					fmt.Sprintf("%s does not exist on %s yet. With http_listen = \"disabled\" ntopng would fall back to plain HTTP on "+
						"every address, so apply checks again before writing ntopng.conf and refuses when it is still missing. "+
						"This is expected when ntopng_tls_cert pushes it in this same apply (cert_path = ntopng_tls_cert.<name>.path "+
						"makes it go first).", plan.CertPath.ValueString(), plan.Host.ValueString()))
			}
		}
	}
	return diags
}

// listenAttributes are the listeners' schema attributes.
func listenAttributes() map[string]schema.Attribute {
	restarts := " A change rewrites the file and restarts ntopng."
	return map[string]schema.Attribute{
		"http_listen": schema.StringAttribute{
			MarkdownDescription: "Where the plain HTTP server listens (`--http-port`): `disabled` (default, no HTTP), `PORT` " +
				"(every IPv4 address, warned), `:PORT` (127.0.0.1 only), `IPv4:PORT` or `[IPv6]:PORT`. Host names are " +
				"refused: ntopng's web server exits on them. With HTTP disabled the certificate at `cert_path` must exist." + restarts,
			Optional: true, Computed: true,
			Default:    stringdefault.StaticString(ntopngconf.ListenDisabled),
			Validators: []validator.String{validators.Listen()},
		},
		"https_listen": schema.StringAttribute{
			MarkdownDescription: "Where the HTTPS server listens (`--https-port`), same forms as `http_listen`. Default `443` " +
				"(every IPv4 address, with a warning: choose the address). HTTPS starts only when the certificate exists." + restarts,
			Optional: true, Computed: true,
			Default:    stringdefault.StaticString("443"),
			Validators: []validator.String{validators.Listen()},
		},
		"cert_path": schema.StringAttribute{
			MarkdownDescription: "The certificate file ntopng serves: `<httpdocs>/ssl/ntopng-cert.pem`. Default `" + defaultCertPath +
				"`. Reference `ntopng_tls_cert.<name>.path` so that the certificate is pushed first. Not rendered into the file; " +
				"checked to exist (fail closed) when HTTP is disabled.",
			Optional: true, Computed: true,
			Default:    stringdefault.StaticString(defaultCertPath),
			Validators: []validator.String{validators.AbsolutePath(), stringvalidator.RegexMatches(certPathRE, "must end with /ssl/ntopng-cert.pem: ntopng reads its certificate only from <httpdocs>/ssl/ntopng-cert.pem")},
		},
		"verify_listeners": schema.BoolAttribute{
			MarkdownDescription: "After a restart, wait until the ntopng process listens on exactly the configured " +
				"addresses; otherwise restore the previous file, restart again and fail. Default `true`. On a host without " +
				"systemd this needs the PID file of `--pid`; where ntopng's listeners cannot be checked the apply fails " +
				"(fail closed) and the previous file is put back: set `false` on such hosts.",
			Optional: true, Computed: true,
			Default: booldefault.StaticBool(true),
		},
		"verify_timeout": schema.StringAttribute{
			MarkdownDescription: "How long `verify_listeners` waits, and the bound of all the TLS probes of a read or an apply together (`tls_observed`), as a Go duration. Default `60s`.",
			Optional:            true, Computed: true,
			Default:    stringdefault.StaticString("60s"),
			Validators: []validator.String{validators.Duration()},
		},
		"observed_listeners": schema.ListAttribute{
			MarkdownDescription: "`ADDRESS:PORT` of every TCP socket the processes of `service` listen on, except the flow " +
				"collector endpoints of collector mode (`--interface=tcp://ADDRESS:PORTc`): the web servers. Empty when ntopng " +
				"is not running. A difference from the configuration (changed but not restarted, or stopped) is drift. Null " +
				"when they could not be checked (systemd does not run on the host and no PID file leads to ntopng; the plan " +
				"shows a warning saying why): not drift.",
			ElementType: types.StringType, Computed: true,
		},
	}
}
