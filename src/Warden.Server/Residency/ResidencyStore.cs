using System.Collections.Immutable;
using System.Text.Json;
using Warden.Core.Protection;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Residency;

/// <summary>
/// Persistence of residency rules (table <c>residency_rules</c>), for the CLI and the admin API alike. Setting a rule
/// replaces the subject's whole rule and raises its version; every set and clear is a transparency-log entry
/// committed with the change ("residency.set" / "residency.clear", subject "tenant:&lt;name&gt;" or "key:&lt;id&gt;").
/// </summary>
internal sealed class ResidencyStore(WardenDatabase database, TimeProvider time)
{
    /// <summary>The longest legal basis name accepted.</summary>
    public const int MaxLegalBasisLength = 200;

    /// <summary>Sets a tenant's or a key's whole rule, or returns why it cannot be set.</summary>
    public (ResidencyRule? Rule, string? Problem) Set(ResidencyRuleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Jurisdictions.Normalise(spec.Home) is not { } home)
        {
            return (null, "A home jurisdiction is required: a short code such as CN or EU.");
        }

        var allowed = ImmutableArray<string>.Empty;
        if (spec.Allow is { } allowText && !string.Equals(allowText.Trim(), "any", StringComparison.OrdinalIgnoreCase))
        {
            var names = new List<string>();
            foreach (string part in allowText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Jurisdictions.Normalise(part) is not { } name)
                {
                    return (null, $"'{part}' is not a jurisdiction: use short codes such as CN, EU or local, separated by commas.");
                }

                if (!names.Contains(name, StringComparer.Ordinal))
                {
                    names.Add(name);
                }
            }

            if (names.Count == 0)
            {
                return (null, "The allowed jurisdictions are empty: name at least one (e.g. CN,local), or 'any'.");
            }

            allowed = [.. names.Order(StringComparer.Ordinal)];
        }

        PersonalDataAction? action = (spec.PersonalDataAbroad?.Trim().ToLowerInvariant() ?? "block") switch
        {
            "block" => PersonalDataAction.Block,
            "mask" => PersonalDataAction.Mask,
            "allow" => PersonalDataAction.Allow,
            _ => null,
        };
        if (action is not { } personalData)
        {
            return (null, "The personal-data-abroad action is one of block, mask or allow.");
        }

        string? basis = string.IsNullOrWhiteSpace(spec.LegalBasis) ? null : spec.LegalBasis.Trim();
        if (personalData == PersonalDataAction.Allow && basis is null)
        {
            return (null, "'allow' needs the legal basis it rests on (--legal-basis, e.g. standard-contract-2026-03); it is recorded with every transfer.");
        }

        if (basis is { Length: > MaxLegalBasisLength } || (basis is not null && basis.Any(char.IsControl)))
        {
            return (null, $"A legal basis is a name of at most {MaxLegalBasisLength} characters on one line.");
        }

        // Unstated, images and files follow the personal-data action: forwarded under an 'allow' basis, else refused
        // (nothing can vouch that they carry no personal data).
        string uninspectableDefault = personalData == PersonalDataAction.Allow ? "allow" : "block";
        UninspectableAction? uninspectableAction = (spec.Uninspectable?.Trim().ToLowerInvariant() ?? uninspectableDefault) switch
        {
            "block" => UninspectableAction.Block,
            "allow" => UninspectableAction.Allow,
            _ => null,
        };
        if (uninspectableAction is not { } uninspectable)
        {
            return (null, "The action for images and files (uninspectable) is block or allow.");
        }

        var (patterns, patternProblem) = ParsePatterns(spec.Patterns);
        if (patterns is null)
        {
            return (null, patternProblem);
        }

        var (subject, problem) = Subject(spec.Tenant, spec.Key);
        if (subject is not { } s)
        {
            return (null, problem);
        }

        database.ChangeConfiguration(
            """
            INSERT INTO residency_rules (scope, subject_id, home, allowed, personal_data_abroad, legal_basis, uninspectable, patterns, version, updated_at)
            VALUES (@scope, @id, @home, @allowed, @action, @basis, @uninspectable, @patterns, 1, @now)
            ON CONFLICT (scope, subject_id) DO UPDATE SET
                home = excluded.home,
                allowed = excluded.allowed,
                personal_data_abroad = excluded.personal_data_abroad,
                legal_basis = excluded.legal_basis,
                uninspectable = excluded.uninspectable,
                patterns = excluded.patterns,
                version = residency_rules.version + 1,
                updated_at = excluded.updated_at
            """,
            p =>
            {
                p.AddWithValue("@scope", ScopeName(s.Scope));
                p.AddWithValue("@id", s.Id);
                p.AddWithValue("@home", home);
                p.AddWithValue("@allowed", allowed.IsEmpty ? DBNull.Value : string.Join(',', allowed));
                p.AddWithValue("@action", ResidencyRule.ActionName(personalData));
                p.AddWithValue("@basis", (object?)basis ?? DBNull.Value);
                p.AddWithValue("@uninspectable", ResidencyRule.ActionName(uninspectable));
                p.AddWithValue("@patterns", patterns.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(patterns, ResidencyJson.Default.ListCustomPersonalDataPattern));
                p.AddWithValue("@now", SqlTime.Format(time.GetUtcNow()));
            },
            Event("residency.set", s.Label));
        return (List().Single(r => r.Scope == s.Scope && r.SubjectId == s.Id), null);
    }

    /// <summary>Removes a tenant's or a key's rule; null when removed, else why not.</summary>
    public string? Clear(string? tenant, string? key)
    {
        var (subject, problem) = Subject(tenant, key);
        if (subject is not { } s)
        {
            return problem;
        }

        int removed = database.ChangeConfiguration(
            "DELETE FROM residency_rules WHERE scope = @scope AND subject_id = @id",
            p =>
            {
                p.AddWithValue("@scope", ScopeName(s.Scope));
                p.AddWithValue("@id", s.Id);
            },
            Event("residency.clear", s.Label));
        return removed > 0 ? null : $"{(s.Scope == ResidencyScope.Tenant ? "Tenant" : "Key")} '{s.Label[(s.Label.IndexOf(':', StringComparison.Ordinal) + 1)..]}' has no residency rule of its own.";
    }

    public List<ResidencyRule> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT scope, subject_id, home, allowed, personal_data_abroad, legal_basis, uninspectable, version, updated_at, patterns
            FROM residency_rules ORDER BY scope DESC, subject_id
            """;
        using var reader = command.ExecuteReader();
        var rules = new List<ResidencyRule>();
        while (reader.Read())
        {
            rules.Add(new ResidencyRule(
                reader.GetString(0) == "key" ? ResidencyScope.Key : ResidencyScope.Tenant,
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? [] : [.. reader.GetString(3).Split(',')],
                reader.GetString(4) switch
                {
                    "mask" => PersonalDataAction.Mask,
                    "allow" => PersonalDataAction.Allow,
                    _ => PersonalDataAction.Block,
                },
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6) == "allow" ? UninspectableAction.Allow : UninspectableAction.Block,
                reader.GetInt32(7),
                SqlTime.Parse(reader.GetString(8)))
                .WithPatterns(reader.IsDBNull(9) ? [] : JsonSerializer.Deserialize(reader.GetString(9), ResidencyJson.Default.ListCustomPersonalDataPattern) ?? []));
        }

        return rules;
    }

    /// <summary>
    /// The rule's subject: the key when one is named (which must belong to the tenant when one is named too), else the
    /// tenant. A tenant is found by id or name; its rule is stored under its id.
    /// </summary>
    private (RuleSubject? Subject, string? Problem) Subject(string? tenant, string? key)
    {
        using var connection = database.Open();
        string? tenantId = null;
        string? tenantName = null;
        if (!string.IsNullOrWhiteSpace(tenant))
        {
            using var find = connection.CreateCommand();
            find.CommandText = "SELECT id, name FROM tenants WHERE id = @v OR name = @v";
            find.Parameters.AddWithValue("@v", tenant);
            using var reader = find.ExecuteReader();
            if (!reader.Read())
            {
                return (null, $"No tenant with id or name '{tenant}'.");
            }

            tenantId = reader.GetString(0);
            tenantName = reader.GetString(1);
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            return tenantId is null
                ? (null, "Name the tenant (--tenant) or the key (--key) the rule is for.")
                : (new RuleSubject(ResidencyScope.Tenant, tenantId, "tenant:" + tenantName), null);
        }

        using (var find = connection.CreateCommand())
        {
            find.CommandText = """
                SELECT k.id, t.tenant_id FROM client_keys k LEFT JOIN key_tenants t ON t.key_id = k.id
                WHERE k.id = @k AND k.role = 'client'
                """;
            find.Parameters.AddWithValue("@k", key);
            using var reader = find.ExecuteReader();
            if (!reader.Read())
            {
                return (null, $"No client key with id '{key}'.");
            }

            string? owner = reader.IsDBNull(1) ? null : reader.GetString(1);
            if (tenantId is not null && !string.Equals(owner, tenantId, StringComparison.Ordinal))
            {
                return (null, $"Key '{key}' does not belong to tenant '{tenantName}'.");
            }
        }

        return (new RuleSubject(ResidencyScope.Key, key, "key:" + key), null);
    }

    /// <summary>
    /// The operator's recognisers as typed (<c>NAME=REGEX</c>, the name in lower-case letters, digits, '_' and '-'), checked
    /// by building the detector they would run in: a pattern that could hang the server or match nothing is refused here.
    /// </summary>
    private static (List<CustomPersonalDataPattern>? Patterns, string? Problem) ParsePatterns(IReadOnlyList<string>? specs)
    {
        var patterns = new List<CustomPersonalDataPattern>();
        foreach (string spec in specs ?? [])
        {
            int equals = spec.IndexOf('=', StringComparison.Ordinal);
            string name = equals > 0 ? spec[..equals].Trim() : "";
            if (!CustomPersonalDataPattern.IsValidName(name) || equals == spec.Length - 1)
            {
                return (null, $"A pattern is NAME=REGEX, the name of at most {CustomPersonalDataPattern.MaxNameLength} lower-case letters, digits, '_' or '-' (e.g. employee_id=EMP-[0-9]{{6}}).");
            }

            if (patterns.Any(p => string.Equals(p.Name, name, StringComparison.Ordinal)))
            {
                return (null, $"The pattern name '{name}' is given twice.");
            }

            patterns.Add(new CustomPersonalDataPattern(name, spec[(equals + 1)..]));
        }

        if (patterns.Count > 0 && !PersonalDataDetector.TryCreate(new PersonalDataDetectorOptions { CustomPatterns = patterns }, out _, out string? error))
        {
            return (null, "Pattern refused: " + error);
        }

        return (patterns, null);
    }

    private static string ScopeName(ResidencyScope scope) => scope == ResidencyScope.Key ? "key" : "tenant";

    private ConfigEvent Event(string action, string subject) => new(action, subject, ConfigActor.Current ?? database.DefaultActor);

    private readonly record struct RuleSubject(ResidencyScope Scope, string Id, string Label);
}
