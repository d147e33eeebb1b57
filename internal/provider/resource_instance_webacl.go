package provider

// The web access list of ntopng_instance (web_allowed_networks): a Redis key, not a line of
// ntopng.conf, read by ntopng's web server when it starts.

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	tfpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

type instanceWebACLAttrs struct {
	WebAllowedNetworks types.List `tfsdk:"web_allowed_networks"`
}

var instanceWebACL = instanceFeature{
	attributes: func() map[string]schema.Attribute {
		return map[string]schema.Attribute{"web_allowed_networks": webAllowedNetworksAttribute()}
	},
	sameConfig: func(a, b instanceModel) bool { return a.WebAllowedNetworks.Equal(b.WebAllowedNetworks) },
	validate: func(_ context.Context, _ tfsdk.Config, m instanceModel, d ntopnghardening.Desired) diag.Diagnostics {
		return selfOutsideACL(m, parsedListen(d.HTTPSListen))
	},
	refresh: func(ctx context.Context, rd instanceRead, m *instanceModel) diag.Diagnostics {
		var diags diag.Diagnostics
		if m.WebAllowedNetworks.IsNull() {
			return nil
		}
		m.WebAllowedNetworks = types.ListNull(types.StringType)
		if nets, err := ntopnghardening.ReadWebACL(ctx, rd.c, rd.h.Effective); err != nil {
			diags.AddAttributeError(tfpath.Root("web_allowed_networks"), "Cannot Read the Web Access List", err.Error())
		} else {
			m.WebAllowedNetworks = stringList(nets)
		}
		return diags
	},
	// Written in ntopng's Redis with the change (ntopnghardening.ApplyWithWebACL), and put
	// back when it fails.
	change: func(_ context.Context, a *instanceApply) diag.Diagnostics {
		a.webACL, a.manageACL = listStrings(a.plan.WebAllowedNetworks), !a.plan.WebAllowedNetworks.IsNull()
		return nil
	},
}

func webAllowedNetworksAttribute() schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: "IPv4 networks in CIDR form (e.g. `[\"192.0.2.0/24\", \"10.1.2.3/32\"]`) that may reach ntopng's web " +
			"server at all; every other client is refused before the login page. Written to ntopng's Redis (the one its " +
			"configuration names) as `ntopng.prefs.http_acl_management_port` = `+NET/BITS,...`; ntopng reads it when its " +
			"web server starts, so a change restarts ntopng. Refused at plan time: IPv6 (ntopng's list is IPv4 only), host " +
			"names, an address without `/BITS`, host bits set, an empty list. Include the addresses your own checks come " +
			"from (e.g. the host itself for `ntopng_tls_cert.verify_endpoint`). Unset: not managed. Read back for drift.",
		ElementType: types.StringType,
		Optional:    true,
		Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(validatorsFuncACL())},
	}
}

func validatorsFuncACL() validator.String {
	return validators.Func("Invalid Web Access Network", "an IPv4 network in CIDR form", func(s string) error {
		_, err := webusers.ValidateACLNetwork(s)
		return err
	})
}

// selfOutsideACL warns when web_allowed_networks leaves out the address HTTPS listens on: a
// client on the probe itself connects from that address (Linux picks the destination as the
// source of a connection to a local address), so ntopng refuses it, and with it every check
// made from the probe, such as ntopng_tls_cert.verify_endpoint through SSH.
func selfOutsideACL(m instanceModel, https *ntopngconf.Listen) diag.Diagnostics {
	var diags diag.Diagnostics
	if https == nil || https.Disabled || m.WebAllowedNetworks.IsNull() || m.WebAllowedNetworks.IsUnknown() {
		return nil
	}
	addr := https.Address
	if https.Loopback {
		addr = "127.0.0.1"
	}
	self, err := netip.ParseAddr(addr)
	if err != nil || !self.Is4() {
		return nil // every address: no single one to check; IPv6: outside ntopng's IPv4 list anyway
	}
	for _, n := range listStrings(m.WebAllowedNetworks) {
		if p, err := netip.ParsePrefix(n); err != nil || p.Contains(self) {
			return nil // unknown or invalid elements are someone else's to report
		}
	}
	diags.AddAttributeWarning(tfpath.Root("web_allowed_networks"), "The Host Itself Is Outside web_allowed_networks",
		fmt.Sprintf("HTTPS listens on %s, and web_allowed_networks does not include %s: a client on the host itself connects "+
			"from that address, so ntopng refuses it. Checks made from the host get no answer then: ntopng_tls_cert's "+
			"verify_endpoint (through SSH) reads no served certificate, which shows as a change in every plan. Add \"%s/32\" "+
			"unless nothing on the host must reach the web server.", https.String(), self, self))
	return diags
}
