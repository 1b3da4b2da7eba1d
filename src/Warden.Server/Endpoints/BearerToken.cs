namespace Warden.Server.Endpoints;

/// <summary>Reads the key a client presents in <c>Authorization: Bearer</c>.</summary>
internal static class BearerToken
{
    public static string? From(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string token = header["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
