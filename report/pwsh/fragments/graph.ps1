
function Get-GraphCollection {
    # GET a Microsoft Graph collection, following @odata.nextLink pages.
    param([Parameter(Mandatory = $true)] [string] $Uri)
    $items = New-Object 'System.Collections.Generic.List[object]'
    $next = $Uri
    while ($next) {
        $page = Invoke-MgGraphRequest -Method GET -Uri $next
        if ($null -ne $page.value) {
            foreach ($item in $page.value) { $items.Add($item) }
        }
        $next = $page.'@odata.nextLink'
    }
    return , $items.ToArray()
}

function ConvertTo-GraphBody {
    # Serialises a request body for Invoke-MgGraphRequest.
    param([Parameter(Mandatory = $true)] $Body)
    return (ConvertTo-Json -InputObject $Body -Depth 10 -Compress)
}

function Copy-GraphObject {
    # Shallow copy of a Graph object without @odata annotations, for
    # read-modify-write PATCH bodies (Graph replaces complex properties
    # whole, so a partial object would reset the settings left out).
    param([AllowNull()] $Object)
    $copy = [ordered]@{}
    if ($null -ne $Object) {
        foreach ($key in @($Object.Keys)) {
            if (-not ([string]$key).StartsWith('@')) { $copy[[string]$key] = $Object[$key] }
        }
    }
    return $copy
}
