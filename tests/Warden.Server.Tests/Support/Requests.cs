using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Tests.Support;

/// <summary>Builds raw Chat Completions requests, for tests that must see exact headers and bytes.</summary>
internal static class Requests
{
    public static HttpRequestMessage Chat(string? key, string body, string path = "v1/chat/completions")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    public static string Body(string model, string prompt, bool stream = false, bool? includeUsage = null)
    {
        var writer = new StringBuilder();
        writer.Append("{\"model\":").Append(JsonSerializer.Serialize(model, TestJsonContext.Default.String));
        writer.Append(",\"messages\":[{\"role\":\"user\",\"content\":").Append(JsonSerializer.Serialize(prompt, TestJsonContext.Default.String)).Append("}]");
        if (stream)
        {
            writer.Append(",\"stream\":true");
        }

        if (includeUsage is { } include)
        {
            writer.Append(",\"stream_options\":{\"include_usage\":").Append(include ? "true" : "false").Append('}');
        }

        return writer.Append('}').ToString();
    }

    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var error = root.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "OpenAI error JSON always has 'param'");
        Assert.True(error.TryGetProperty("code", out _), "OpenAI error JSON always has 'code'");
        Assert.True(response.Headers.Contains("x-request-id"), "every response carries x-request-id");
        return error;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class TestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
