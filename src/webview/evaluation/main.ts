// Entry of the evaluation webview (placeholder until the view is written).
import '../../../media/webview.css';
document.getElementById('app')!.textContent = 'evaluation';
