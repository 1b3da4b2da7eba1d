using Warden.Core.Canonical;

namespace Warden.Core.Tests.Canonical;

/// <summary>The translation table in docs/ is the one users read: every rule in code must be listed there.</summary>
public sealed class TranslationRulesDocumentationTests
{
    [Fact]
    public void EveryRule_IsListedInTheDocumentation()
    {
        string doc = File.ReadAllText(FindRepositoryFile("docs/translation.md"));

        var missing = TranslationRules.All.Keys.Where(key => !doc.Contains($"`{key}`", StringComparison.Ordinal)).ToList();

        Assert.True(missing.Count == 0, "Rules missing from docs/translation.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryRule_HasAReason()
    {
        Assert.NotEmpty(TranslationRules.All);
        Assert.All(TranslationRules.All, rule => Assert.True(rule.Value.Length > 20, $"{rule.Key} needs a reason a user can check"));
    }

    [Fact]
    public void Check_RecordsAllowedForeignFields_AndNamesTheFirstRefusedOne()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""{"a":1}""");
        var changes = new List<string>();
        var extensions = new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["anthropic.context_management"] = doc.RootElement,
            ["gemini.not_a_rule"] = doc.RootElement,
            ["openai_chat.seed"] = doc.RootElement,
        };

        Assert.Equal("gemini.not_a_rule", TranslationRules.Check(extensions, WireDialectName.OpenAIChat, changes));
        Assert.Contains("left_out:anthropic.context_management", changes);
        Assert.DoesNotContain(changes, c => c.Contains("openai_chat.seed", StringComparison.Ordinal));
    }

    private static string FindRepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relative);
    }
}
