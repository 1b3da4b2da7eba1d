using Microsoft.AspNetCore.Routing;
using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Server.Dialects;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Dialects;

/// <summary>
/// The operation × dialect table is data the server consults: every API route says which cells it serves, those cells
/// are served, and docs/compatibility.md shows the same table.
/// </summary>
public sealed class OperationTableTests
{
    // Warden's own routes under /v1 (not a provider API a relay forwards): they answer every dialect's clients.
    private static readonly string[] WardenOwnRoutes = ["/v1/policy", "/v1/receipts/", "/v1/transparency/", "/v1/dashboard/", "/v1/me", "/v1/payments/"];

    private static bool IsWardenOwn(string pattern) =>
        WardenOwnRoutes.Any(own => own.EndsWith('/') ? pattern.StartsWith(own, StringComparison.Ordinal) : pattern == own);

    [Fact]
    public async Task EveryApiRoute_NamesItsCells_AndEveryCellItNamesIsServed()
    {
        await using var server = await WardenTestServer.StartAsync();
        var endpoints = server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var untagged = new List<string>();
        var refused = new List<string>();
        int tagged = 0;
        foreach (var endpoint in endpoints)
        {
            string pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            bool api = pattern.StartsWith("/v1/", StringComparison.Ordinal) || pattern.StartsWith("/v1beta/", StringComparison.Ordinal);
            if (!api || IsWardenOwn(pattern))
            {
                continue;
            }

            if (endpoint.Metadata.GetMetadata<OperationRoute>() is not { } route)
            {
                untagged.Add(pattern);
                continue;
            }

            tagged++;
            foreach (var (operation, dialect) in route.Cells)
            {
                if (OperationTable.Cell(operation, dialect).Support == OperationSupport.Refused)
                {
                    refused.Add($"{pattern}: {OperationTable.NameOf(operation)} × {dialect}");
                }
            }
        }

        Assert.True(untagged.Count == 0, "API routes without an OperationRoute (their operation × dialect cells): " + string.Join(", ", untagged));
        Assert.True(refused.Count == 0, "Mapped routes whose cell says refused: " + string.Join(", ", refused));
        Assert.True(tagged >= 9, $"Expected the chat, count-tokens and models routes to be tagged; found {tagged}.");
    }

    [Fact]
    public void EveryDialect_HasACellForEveryOperation_WithAReason()
    {
        foreach (var dialect in WireDialects.All)
        {
            foreach (var operation in Enum.GetValues<ApiOperation>())
            {
                var cell = OperationTable.Cell(operation, dialect.Name);
                Assert.False(string.IsNullOrWhiteSpace(cell.Note), $"{OperationTable.NameOf(operation)} × {dialect.DisplayName} needs a note");
            }

            Assert.NotEqual(OperationSupport.Refused, OperationTable.Cell(ApiOperation.Chat, dialect.Name).Support);
        }

        // Operations not built yet are refused as such (their endpoints answer 404).
        Assert.Equal(OperationCell.NotBuilt, OperationTable.Cell(ApiOperation.Rerank, WireDialectName.OpenAIChat));
    }

    [Fact]
    public void CanServe_TranslatesOnlyBetweenTranslatedCells()
    {
        Assert.True(OperationTable.CanServe(ApiOperation.Chat, WireDialectName.Gemini, WireDialectName.Anthropic));
        Assert.True(OperationTable.CanServe(ApiOperation.CountTokens, WireDialectName.Anthropic, WireDialectName.Anthropic));
        Assert.False(OperationTable.CanServe(ApiOperation.CountTokens, WireDialectName.Anthropic, WireDialectName.Gemini));
        Assert.False(OperationTable.CanServe(ApiOperation.Embeddings, WireDialectName.OpenAIChat, WireDialectName.OpenAIChat));
    }

    [Fact]
    public void Documentation_ShowsTheTable()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "compatibility.md"));
        foreach (var operation in Enum.GetValues<ApiOperation>())
        {
            string row = "| " + OperationTable.NameOf(operation) + " |";
            string? line = doc.Split('\n').FirstOrDefault(l => l.StartsWith(row, StringComparison.Ordinal));
            Assert.True(line is not null, $"docs/compatibility.md has no row for {OperationTable.NameOf(operation)}");
            var cells = line!.Split('|', StringSplitOptions.TrimEntries)[2..^1];
            Assert.Equal(WireDialects.All.Count, cells.Length);
            for (int i = 0; i < WireDialects.All.Count; i++)
            {
                string expected = OperationTable.Cell(operation, WireDialects.All[i].Name).Support.ToString().ToLowerInvariant();
                Assert.True(cells[i].StartsWith(expected, StringComparison.Ordinal),
                    $"docs/compatibility.md says '{cells[i]}' for {OperationTable.NameOf(operation)} × {WireDialects.All[i].DisplayName}; the table says {expected}");
            }
        }
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
}
