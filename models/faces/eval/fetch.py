import json,sys,urllib.request,os,re
# usage: fetch.py name [version] [sdist|wheel]
name=sys.argv[1]; ver=sys.argv[2] if len(sys.argv)>2 and sys.argv[2]!='-' else None; kind=sys.argv[3] if len(sys.argv)>3 else 'sdist'
d=json.load(urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json"))
v=ver or d['info']['version']
lic=d['info'].get('license') or ''
if ver: d['urls']=d['releases'][ver]; lic=d['info'].get('license') or ''
cls=[c for c in d['info'].get('classifiers',[]) if 'License' in c]
files=[f for f in d['urls'] if (f['packagetype']=='sdist')==(kind=='sdist')]
if kind!='sdist':
    pref=[f for f in files if 'none-any' in f['filename']] or [f for f in files if 'manylinux' in f['filename'] and 'x86_64' in f['filename'] and 'cp311' in f['filename']] or files
    files=pref
if not files: print("NOFILE",name,v); sys.exit(1)
f=files[0]; url=f['url']
if url.startswith('../'): url='https://files.pythonhosted.org/packages/'+url.split('/packages/',1)[1]
os.makedirs('pkgs',exist_ok=True)
out='pkgs/'+f['filename']
if not os.path.exists(out): urllib.request.urlretrieve(url,out)
print(name,v,f['filename'],f['size'],'LIC=',lic[:80],cls)
