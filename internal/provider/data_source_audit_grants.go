package provider

import (
	"github.com/hardenops/terraform-provider-ntopng/internal/audit"
	"github.com/hardenops/terraform-provider-ntopng/internal/ntopnghardening"
)

// auditGrants is what the audit's checks of ntop's package grants look at.
func auditGrants(g ntopnghardening.Grants) audit.PackageGrants {
	return audit.PackageGrants{
		NmapExists: g.NmapExists, NmapCaps: g.NmapCaps, NmapNote: g.NmapNote,
		User: g.User, InJournal: g.InJournal, JournalExists: g.JournalExists,
		Sudoers: g.Sudoers, SudoersRules: g.SudoersRules,
		Cron: g.Cron, CronLines: g.CronLines, UpdaterRedis: g.UpdaterRedis, UpdaterPassword: g.UpdaterPassword,
	}
}
