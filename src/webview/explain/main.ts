// Entry of the explain webview (placeholder until the view is written).
import '../../../media/webview.css';
document.getElementById('app')!.textContent = 'explain';
