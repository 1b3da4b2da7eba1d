using System.Text.RegularExpressions;

namespace Warden.Server.Tests.Dialects;

/// <summary>
/// A dialect is one folder and one registration line (issue 22): code outside the dialect folders asks the dialect's
/// registration (<c>WireDialect</c>, <c>ClientProtocol</c>) instead of switching on which dialect it is.
/// </summary>
public sealed partial class DialectBoundaryTests
{
    // The folders that may name a dialect: its pure parts in Core, its server parts (route bindings, server hooks).
    private static readonly string[] DialectFolders =
    [
        Path.Combine("src", "Warden.Core", "Dialects") + Path.DirectorySeparatorChar,
        Path.Combine("src", "Warden.Server", "Dialects") + Path.DirectorySeparatorChar,
    ];

    // A provider profile declares the dialect its upstream speaks: data, never a switch (checked line by line below).
    private static readonly string ProviderProfiles = Path.Combine("src", "Warden.Core", "Providers", "ProviderProfiles.cs");

    [Fact]
    public void NothingOutsideTheDialectFolders_SwitchesOnADialect()
    {
        string root = RepositoryRoot();
        var offences = new List<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file);
            if (relative.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || relative.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || DialectFolders.Any(folder => relative.StartsWith(folder, StringComparison.Ordinal)))
            {
                continue;
            }

            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                bool offends = relative == ProviderProfiles
                    ? DialectMember().IsMatch(line) && SwitchSyntax().IsMatch(line)
                    : DialectMember().IsMatch(line) || ProtocolByName().IsMatch(line) || RegistrationByName().IsMatch(line);
                if (offends)
                {
                    offences.Add($"{relative}:{i + 1}: {line.Trim()}");
                }
            }
        }

        Assert.True(offences.Count == 0,
            "Ask the dialect's registration (WireDialect / ClientProtocol members) instead of naming a dialect outside src/*/Dialects/:\n"
            + string.Join("\n", offences));
    }

    [Fact]
    public void TheScan_SeesTheSwitchesItForbids()
    {
        // The patterns must match the forms the old code used, or the test above proves nothing.
        Assert.Matches(DialectMember(), "        WireDialectName.Gemini => \"generate_content\",");
        Assert.Matches(DialectMember(), "if (request.Protocol.Dialect == Core.Canonical.WireDialectName.Gemini)");
        Assert.Matches(DialectMember(), "block is UnknownBlock { Origin: WireDialectName.Responses } item");
        Assert.Matches(ProtocolByName(), "pipeline.HandleAsync(context, ClientProtocol.Gemini, RequestContext.Empty)");
        Assert.Matches(RegistrationByName(), "var x = AnthropicDialect.Instance;");
        Assert.Matches(SwitchSyntax(), "        WireDialectName.Anthropic => \"messages\",");
        Assert.DoesNotMatch(SwitchSyntax(), "        \"openai\", \"OpenAI\", WireDialectName.OpenAIChat, new Uri(\"https://api.openai.com/v1/\"), AuthScheme.Bearer, \"US\", ProviderQuirks.None);");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Warden.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Warden.slnx not found above the test's folder.");
    }

    [GeneratedRegex(@"\bWireDialectName\.\w+")]
    private static partial Regex DialectMember();

    [GeneratedRegex(@"\bClientProtocol\.(OpenAIChat|Anthropic|Responses|Gemini)\b")]
    private static partial Regex ProtocolByName();

    [GeneratedRegex(@"\b\w+Dialect\.Instance\b|\bWireDialects\.(?!All\b|For\b|Fallback\b)\w+")]
    private static partial Regex RegistrationByName();

    [GeneratedRegex(@"=>|\bcase\b|==|!=|\bis\b|\bwhen\b|\bswitch\b")]
    private static partial Regex SwitchSyntax();
}
