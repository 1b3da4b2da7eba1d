namespace Warden.Core.Dialects.Responses;

/// <summary>Splits and builds "data:&lt;media type&gt;;base64,&lt;data&gt;" URLs, the inline form of Responses images and files.</summary>
internal static class DataUrl
{
    public static bool TryParse(string url, out string? mediaType, out string? data)
    {
        mediaType = null;
        data = null;
        const string Marker = ";base64,";
        if (!url.StartsWith("data:", StringComparison.Ordinal))
        {
            return false;
        }

        int at = url.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        mediaType = url[5..at];
        data = url[(at + Marker.Length)..];
        return true;
    }

    public static string Build(string? mediaType, string data) => "data:" + (mediaType ?? "application/octet-stream") + ";base64," + data;
}
