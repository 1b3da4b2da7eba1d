using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Warden.Server.Tests.Support;
using Warden.Server.Trust;

namespace Warden.Server.Tests.Routing;

/// <summary>
/// PATCH /admin/channels/{id or name} (issue 23's channel edit): enable and disable, priority, weight and models, each
/// change logged in the transparency log as a configuration change by the admin key, and kept across a restart.
/// </summary>
public sealed class ChannelEditTests
{
    [Fact]
    public async Task Patch_ChangesPriorityWeightModelsAndEnabled_LogsEachChange_AndSurvivesARestart()
    {
        using var folder = new TempDirectory();
        string adminKey;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            adminKey = server.AdminKey;
            server.AddChannel("edit-me", new Uri("http://127.0.0.1:9/v1/"), null, "edit-a");

            var edited = await PatchAsync(server, adminKey, "edit-me", """{"priority":7,"weight":3,"models":["edit-a","edit-b"]}""", HttpStatusCode.OK);
            Assert.Equal(7, edited.GetProperty("priority").GetInt32());
            Assert.Equal(3, edited.GetProperty("tuning").GetProperty("weight").GetInt32());
            Assert.Equal(["edit-a", "edit-b"], edited.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
            Assert.True(edited.GetProperty("enabled").GetBoolean());
            Assert.Contains("edit-b", server.App.Models);

            var disabled = await PatchAsync(server, adminKey, edited.GetProperty("id").GetString()!, """{"enabled":false}""", HttpStatusCode.OK);
            Assert.False(disabled.GetProperty("enabled").GetBoolean());
            Assert.Equal(7, disabled.GetProperty("priority").GetInt32());
            Assert.DoesNotContain("edit-a", server.App.Models);
            Assert.DoesNotContain("edit-b", server.App.Models);

            var updates = ConfigEntries(server).Where(e => e.Contains("\"action\":\"channel.update\"", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, updates.Count);
            Assert.All(updates, e => Assert.Contains("\"subject\":\"edit-me\"", e, StringComparison.Ordinal));
            Assert.All(updates, e => Assert.Contains("\"by\":\"admin:", e, StringComparison.Ordinal));
            Assert.Contains("\"object\":\"channel/edit-me\"", updates[0], StringComparison.Ordinal);
            Assert.Contains("\"object\":\"channel_disabled/edit-me\"", updates[1], StringComparison.Ordinal);

            await PatchAsync(server, adminKey, "nobody", """{"enabled":false}""", HttpStatusCode.NotFound);
            await PatchAsync(server, adminKey, "edit-me", """{"weight":0}""", HttpStatusCode.BadRequest);
            await PatchAsync(server, adminKey, "edit-me", """{"models":[" "]}""", HttpStatusCode.BadRequest);
            await PatchAsync(server, adminKey, "edit-me", """{"priority":"high"}""", HttpStatusCode.BadRequest);
        }

        // The tables still match what the log committed (a start checks it), and the channel is still disabled.
        await using (var restarted = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.DoesNotContain("edit-a", restarted.App.Models);
            var enabled = await PatchAsync(restarted, adminKey, "edit-me", """{"enabled":true}""", HttpStatusCode.OK);
            Assert.True(enabled.GetProperty("enabled").GetBoolean());
            Assert.Contains("edit-b", restarted.App.Models);
            Assert.Contains(ConfigEntries(restarted), e => e.Contains("\"object\":\"channel_disabled/edit-me\",\"state\":null", StringComparison.Ordinal));
        }
    }

    private static async Task<JsonElement> PatchAsync(WardenTestServer server, string adminKey, string channel, string json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, "admin/channels/" + channel)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await server.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"PATCH {channel}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<string> ConfigEntries(WardenTestServer server)
    {
        using var connection = server.App.Data.Database.Open();
        return LogEntryRows.Read(connection, 0)
            .Where(r => r.Kind == LogEntryRows.ConfigKind)
            .Select(r => Encoding.UTF8.GetString(r.Entry))
            .ToList();
    }
}
