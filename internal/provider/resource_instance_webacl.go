package provider

// The web access list of ntopng_instance (web_allowed_networks): a Redis key, not a line of
// ntopng.conf, read by ntopng's web server when it starts.

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hardenops/terraform-provider-ntopng/internal/validators"
	"github.com/hardenops/terraform-provider-ntopng/internal/webusers"
)

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
