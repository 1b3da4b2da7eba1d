namespace Warden.Server.Residency;

/// <summary>Whom a residency rule is for: every key of a tenant, or one key (replacing its tenant's rule).</summary>
internal enum ResidencyScope
{
    Tenant,
    Key,
}
