// Entry of the training webview (placeholder until the view is written).
import '../../../media/webview.css';
document.getElementById('app')!.textContent = 'training';
